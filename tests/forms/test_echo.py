"""A response's copy of its request (forms.response_echo_issues): what the form prefills from the request and shows
read-only must come back as the request gave it, or it is an issue; everything the writer answers is theirs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import forms
from tests.hub._records import info_request_fields, response_fields, team_response_fields

REQUEST = {
    **info_request_fields(),
    "deadline": "2026-12-01T14:00:00+00:00",  # after the example answer's time: no late warning
    "questions": ["Known to the practice?", "Any A&E attendances?"],
}
REQUEST["child"] = {"name": "Alex Example", "date_of_birth": "2020-01-02", "nhs_number": "943 476 5919"}


def _answer(form_id: str = "gp_response") -> dict[str, Any]:
    request = {"record_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "fields": REQUEST}
    if form_id == "gp_response":
        return response_fields(request)
    team = {**REQUEST, "team": {"kind": "health_visiting", "code": "RA9HV1"}}
    return team_response_fields({**request, "fields": team}, by="HV1", team="RA9HV1")


def _codes(response: dict[str, Any], request: dict[str, Any] = REQUEST) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in forms.response_echo_issues(response, request)]


@pytest.mark.parametrize("form_id", ["gp_response", "team_response"])
def test_an_answer_that_repeats_the_request_as_given_has_no_issue(form_id: str) -> None:
    response = _answer(form_id)
    assert forms.validate_record("response", response) == []
    assert _codes(response, {**REQUEST, "team": {"kind": "health_visiting", "code": "RA9HV1"}}) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("request_rag", "green"),  # a red request answered as if green
        ("request_deadline", "2026-12-30T14:00:00+00:00"),
        ("request_reference", "IR-OTHER"),
        ("request_child", "Someone Else"),
        ("request_child_nhs", "9990000018"),
        ("request_questions", "Known to the practice?"),
    ],
)
def test_a_changed_copy_of_the_request_is_named(path: str, value: str) -> None:
    response = _answer()
    response["answers"][path] = value
    assert _codes(response) == [(f"answers.{path}", "not_as_requested")]


def test_each_question_must_be_the_one_asked_in_its_place() -> None:
    softened = _answer()
    softened["answers"]["question_answers"][1]["question"] = "Anything at all?"
    assert _codes(softened) == [("answers.question_answers[1].question", "not_as_requested")]
    swapped = _answer()
    entries = swapped["answers"]["question_answers"]
    entries[0]["question"], entries[1]["question"] = entries[1]["question"], entries[0]["question"]
    assert [path for path, _ in _codes(swapped)] == [
        "answers.question_answers[0].question",
        "answers.question_answers[1].question",
    ]


@pytest.mark.parametrize("entries", [1, 3])
def test_a_question_left_out_or_added_is_named(entries: int) -> None:
    response = _answer()
    given = response["answers"]["question_answers"]
    response["answers"]["question_answers"] = (given * 2)[:entries]
    assert _codes(response) == [("answers.question_answers", "not_as_requested")]


def test_the_writers_own_answers_are_theirs_to_give() -> None:
    response = _answer()
    changed = copy.deepcopy(response)
    changed["answers"]["question_answers"][0]["answer"] = "Seen twice this year; no concerns."
    changed["answers"]["conditions"] = "Asthma."
    assert _codes(changed) == []


def test_the_nhs_number_may_come_back_in_either_spacing() -> None:
    response = _answer()
    assert response["answers"]["request_child_nhs"] == "9434765919"  # the app submits identifiers normalised
    response["answers"]["request_child_nhs"] = "943 476 5919"
    assert _codes(response) == []


def test_nothing_known_needs_no_answers_to_the_questions() -> None:
    response = _answer()
    response["answers"]["nothing_known"] = True
    del response["answers"]["question_answers"]
    assert _codes(response) == []


def test_an_unknown_form_or_no_answers_is_left_to_the_records_own_checks() -> None:
    assert forms.response_echo_issues({"form_id": "nope", "form_version": 1, "answers": {}}, REQUEST) == []
    assert forms.response_echo_issues({**_answer(), "answers": "text"}, REQUEST) == []
