"""Injuries with several marks: each mark checked in plain words (never an exception), the first body map's single
point still valid, and the marks in the referral's summary words and FHIR export."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from forms import (
    EXAMPLE_TODAY,
    example_answers,
    injuries,
    injury_lines,
    load_spec,
    place_in_region,
    summary_lines,
    to_fhir_questionnaire,
    to_fhir_questionnaire_response,
    validate,
    validate_submission,
)

POSITION = "children[0].injuries[0].position"


def mark(region: str = "upper_arm_left", view: str = "front", figure: str = "infant", **extra: Any) -> dict[str, Any]:
    point = place_in_region(figure, view, region, "centre")
    assert point is not None
    return {"figure": figure, "view": view, "x": point[0], "y": point[1], "region": region, **extra}


def answers_with(position: object) -> dict[str, Any]:
    answers = example_answers("hv_concern")
    answers["children"][0]["injuries"][0]["position"] = position
    return answers


def issues_at(position: object, path: str = POSITION) -> list[tuple[str, str]]:
    spec = load_spec("hv_concern")
    return [(i.code, i.message) for i in validate(spec, answers_with(position), today=EXAMPLE_TODAY) if i.path == path]


def test_an_injury_with_several_marks_is_valid_and_kept_whole() -> None:
    marks = [mark(size_cm=2.5, shape="oval"), mark("thigh_right", size_cm=1, shape="round"), mark("buttocks", "back")]
    assert issues_at({"marks": marks}) == []
    spec = load_spec("hv_concern")
    assert validate_submission(spec, answers_with({"marks": marks}), today=EXAMPLE_TODAY) == []


def test_the_first_body_maps_single_point_is_still_valid() -> None:
    assert issues_at({"view": "front", "x": 0.4, "y": 0.5, "region": "arm_left"}) == []
    assert issues_at({"view": "back", "region": "buttocks"}) == []


@pytest.mark.parametrize(
    ("position", "code", "words"),
    [
        ({"marks": []}, "no_marks", "Mark at least one place"),
        ({"marks": [mark()] * 21}, "too_many_marks", "Keep to 20 marks"),
        ({"marks": [mark(), {**mark(), "x": 0.02, "y": 0.02}]}, "outside_figure", "Mark 2: the mark is outside"),
        ({"marks": [{**mark(), "x": 1.5}]}, "outside_figure", "outside the figure"),
        ({"marks": [{k: v for k, v in mark().items() if k != "region"}]}, "no_region", "name the body part"),
        ({"marks": [{**mark(), "region": ""}]}, "no_region", "name the body part"),
        ({"marks": [{**mark(), "region": "tail"}]}, "unknown_region", "choose a body part"),
        ({"marks": [{**mark(), "region": "buttocks"}]}, "unknown_region", "choose a body part"),  # not on the front
        ({"marks": [{**mark(), "region": "chest"}]}, "region_mismatch", "on the left upper arm, not the chest"),
        ({"marks": [{k: v for k, v in mark().items() if k != "x"}]}, "no_point", "choose a body part and a position"),
        ({"marks": [{**mark(), "x": "0.3"}]}, "no_point", "mark the place"),
        ({"marks": [{**mark(), "figure": "adult"}]}, "bad_figure", "baby or the child figure"),
        ({"marks": [{**mark(), "view": "side"}]}, "bad_view", "front or the back"),
        ({"marks": [mark(size_cm=0)]}, "bad_size", "more than 0 and up to 100"),
        ({"marks": [mark(size_cm=101)]}, "bad_size", "more than 0"),
        ({"marks": [mark(size_cm=True)]}, "bad_size", "size in cm"),
        ({"marks": [mark(shape="star")]}, "bad_shape", "choose a shape"),
        ({"marks": [{**mark(), "colour": "red"}]}, "bad_position", "not a mark"),
        ({"marks": ["upper_arm_left"]}, "bad_position", "not a mark"),
        ({"marks": [mark()], "view": "front"}, "bad_position", "Mark the place"),
        ({"marks": "all of them"}, "bad_position", "Mark the place"),
    ],
)
def test_a_bad_mark_is_an_issue_in_plain_words(position: object, code: str, words: str) -> None:
    [(got, message)] = issues_at(position)
    assert got == code
    assert words in message
    assert "_" not in message  # no codes or field names on screen


def test_marks_are_numbered_across_injuries_and_said_in_words() -> None:
    answers = example_answers("hv_concern")
    first, second = copy.deepcopy(answers["children"][0]["injuries"][0]), None
    first["position"] = {"marks": [mark(size_cm=2.5, shape="oval"), mark("thigh_right")]}
    first["injury_type"] = "bruise"
    second = {**copy.deepcopy(first), "position": {"marks": [mark("lower_back", "back", shape="linear")]}}
    second["injury_type"] = "burn_scald"
    answers["children"][0]["injuries"] = [first, second]
    spec = load_spec("hv_concern")
    found = injuries(spec, answers)
    assert [(i.owner, i.title, i.description) for i in found][:2] == [
        ("Child 1", "Injury 1", "Bruise"),
        ("Child 1", "Injury 2", "Burn or scald"),
    ]
    assert [[m.number for m in i.marks] for i in found[:2]] == [[1, 2], [3]]
    assert found[0].marks[0].words() == "Left upper arm (front), 2.5 cm, oval"
    lines = injury_lines(spec, answers)
    assert lines[0] == (
        "Child 1, Injury 1: Bruise. Marks: 1. Left upper arm (front), 2.5 cm, oval; 2. Right thigh (front)"
    )
    assert lines[1] == "Child 1, Injury 2: Burn or scald. Marks: 3. Lower back (back), a line"
    summary = "\n".join(summary_lines(spec, answers, EXAMPLE_TODAY))
    assert "Where on the body: mark 1: Left upper arm (front), 2.5 cm, oval; mark 2: Right thigh (front)" in summary
    assert "mark 1: Lower back (back), a line" in summary


def test_an_old_single_point_is_one_mark_on_the_first_figure() -> None:
    answers = answers_with({"view": "back", "x": 0.4, "y": 0.5, "region": "arm_left"})
    [first, *_] = injuries(load_spec("hv_concern"), answers)
    [only] = first.marks
    assert (only.figure, only.view, only.x, only.y, only.region) == (None, "back", 0.4, 0.5, "Left arm")
    summary = "\n".join(summary_lines(load_spec("hv_concern"), answers, EXAMPLE_TODAY))
    assert "Where on the body: Left arm (back)" in summary


def test_broken_marks_in_a_stored_answer_are_skipped_not_raised_on() -> None:
    answers = answers_with({"marks": [{"view": "top"}, "x", {"figure": "child", "view": "front", "x": 9, "y": 0}]})
    [first, *_] = injuries(load_spec("hv_concern"), answers)
    assert [(m.view, m.x, m.region) for m in first.marks] == [("front", None, "")]


def test_the_fhir_response_carries_every_mark() -> None:
    answers = answers_with({"marks": [mark(size_cm=2.0, shape="round"), mark("thigh_right")]})
    response = to_fhir_questionnaire_response(load_spec("hv_concern"), answers, today=EXAMPLE_TODAY)

    def find(items: list[dict[str, Any]], link: str) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if item.get("linkId") == link:
                out.append(item)
            out += find(item.get("item", []), link)
        return out

    QuestionnaireResponse.model_validate(response)
    questions = find(to_fhir_questionnaire(load_spec("hv_concern"))["item"], "children.injuries.position.mark")
    assert [q["linkId"] for q in questions[0]["item"]][-3:] == [
        "children.injuries.position.mark.region",
        "children.injuries.position.mark.size_cm",
        "children.injuries.position.mark.shape",
    ]
    marks = find(response["item"], "children.injuries.position.mark")
    assert len(marks) >= 2
    regions = [a["answer"][0]["valueString"] for m in marks for a in m["item"] if a["linkId"].endswith(".region")]
    assert regions[:2] == ["upper_arm_left", "thigh_right"]
