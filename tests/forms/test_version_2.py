"""Version 2 of the referral and GP forms: questions shown by age, the 2021 census ethnic groups, one answer per
question the hub asked, and the request's own details read-only."""

from __future__ import annotations

from typing import Any

import pytest

from forms import EXAMPLE_TODAY, FormSpec, SpecError, check_spec, evaluate, initial_answers, load_spec
from tests.forms._helpers import edit

REFERRAL_FORMS = ["hv_concern", "sn_referral"]


def _visible(form_id: str, child: dict[str, Any], path: str) -> bool:
    answers = {"children": [child]}
    return evaluate(load_spec(form_id), answers, today=EXAMPLE_TODAY).fields[f"children[0].{path}"].visible


@pytest.mark.parametrize("form_id", REFERRAL_FORMS)
@pytest.mark.parametrize(
    ("born", "setting", "phone"),
    [
        ("2026-01-01", True, False),  # under 1
        ("2022-12-01", True, False),  # 3, turns 4 tomorrow
        ("2022-11-30", False, False),  # 4 today
        ("2015-12-01", False, False),  # 10
        ("2015-11-30", False, True),  # 11 today
    ],
)
def test_a_child_under_4_is_asked_for_an_early_years_setting_and_from_11_for_a_phone(
    form_id: str, born: str, setting: bool, phone: bool
) -> None:
    child = {"date_of_birth": born}
    assert _visible(form_id, child, "early_years_setting") is setting
    assert _visible(form_id, child, "child_phone") is phone


@pytest.mark.parametrize(("born", "school"), [("2023-01-01", False), ("2022-11-30", True), ("2010-05-05", True)])
def test_the_health_visitors_form_asks_for_a_school_from_4(born: str, school: bool) -> None:
    assert _visible("hv_concern", {"date_of_birth": born}, "school") is school
    assert _visible("hv_concern", {"date_of_birth": born}, "early_years_setting") is not school


def test_an_unborn_baby_is_asked_neither_setting_nor_phone() -> None:
    unborn = {"unborn": True, "expected_date": "2027-03-01"}
    assert not _visible("hv_concern", unborn, "early_years_setting")
    assert not _visible("hv_concern", unborn, "child_phone")


@pytest.mark.parametrize("form_id", REFERRAL_FORMS)
def test_ethnicity_has_the_19_census_categories_under_the_5_groups(form_id: str) -> None:
    spec = load_spec(form_id)
    for repeat in ("children", "adults"):
        answers = {repeat: [{"ethnicity": "asian"}]}
        state = evaluate(spec, answers, today=EXAMPLE_TODAY)
        shown = [
            g
            for g in ("white", "mixed", "asian", "black", "other")
            if state.fields[f"{repeat}[0].ethnicity_{g}"].visible
        ]
        assert shown == ["asian"]
    fields = {f.id: f for f in _all_fields(spec.items)}
    detailed = [o for g in ("white", "mixed", "asian", "black", "other") for o in fields[f"ethnicity_{g}"].options]
    assert len([o for o in detailed if o.code != "not_known"]) == 19
    assert {o.code for o in fields["ethnicity"].options} >= {"white", "mixed", "asian", "black", "other", "not_known"}
    assert "Prefers not to say" in {o.label for o in fields["ethnicity"].options}


def _all_fields(items: Any) -> Any:
    for item in items:
        if item.kind in ("group", "repeat"):
            yield from _all_fields(item.items)
        else:
            yield item


@pytest.mark.parametrize("form_id", REFERRAL_FORMS)
def test_the_urgency_gate_stays_first_and_right_now_follows_it(form_id: str) -> None:
    first = load_spec(form_id).items[0]
    assert first.id == "urgency"
    ids = [i.id for i in first.items]
    assert ids[0] == "immediate_danger"
    assert ids[-3:] == ["child_location_now", "child_safe_now", "action_taken"]


REQUEST = {
    "reference": "MASH-2026-0042",
    "rag": "red",
    "deadline": "2026-11-30T14:00:00+00:00",
    "child": {"name": "Amy Example"},
    "questions": ["Any injuries?", "Any concerns about the mother?", "Who brings Amy?"],
}


def test_the_gp_response_has_one_answer_per_question_asked_each_with_its_question_read_only() -> None:
    spec = load_spec("gp_response")
    answers = initial_answers(spec, request=REQUEST)
    assert answers["question_answers"] == [{"question": q} for q in REQUEST["questions"]]
    assert answers["request_rag"] == "red"
    state = evaluate(spec, edit(answers, {"nothing_known": False}), today=EXAMPLE_TODAY)
    assert all(state.fields[f"question_answers[{i}].question"].read_only for i in range(3))
    assert not state.fields["question_answers[0].answer"].read_only
    assert state.fields["request_rag"].read_only
    assert state.fields["request_questions"].read_only
    assert ("question_answers[2].answer", "required") in {(i.path, i.code) for i in state.issues}


def test_a_request_without_questions_makes_no_items() -> None:
    answers = initial_answers(load_spec("gp_response"), request={**REQUEST, "questions": []})
    assert "question_answers" not in answers


def _spec(items: list[dict[str, Any]]) -> FormSpec:
    return FormSpec.model_validate({"id": "t", "version": 1, "title": "T", "items": items})


def test_an_item_prefill_belongs_in_a_prefilled_repeat() -> None:
    field = {"kind": "short_text", "id": "q", "label": "Q", "prefill": "item"}
    with pytest.raises(SpecError, match="prefilled repeat"):
        check_spec(_spec([field]))
    with pytest.raises(SpecError, match="prefilled repeat"):
        check_spec(_spec([{"kind": "repeat", "id": "r", "label": "R", "item_label": "I", "items": [field]}]))
    ok = {"kind": "repeat", "id": "r", "label": "R", "item_label": "I", "prefill": "request.list", "items": [field]}
    check_spec(_spec([ok]))


def test_an_entry_that_is_a_mapping_fills_the_item_fields_it_names() -> None:
    spec = _spec(
        [
            {
                "kind": "repeat",
                "id": "people",
                "label": "People",
                "item_label": "Person",
                "prefill": "request.adults",
                "items": [
                    {"kind": "short_text", "id": "name", "label": "Name", "prefill": "item.name", "read_only": True},
                    {"kind": "short_text", "id": "note", "label": "Note"},
                ],
            }
        ]
    )
    answers = initial_answers(spec, request={"adults": [{"name": "Dana"}, {"name": "Eli", "relationship": "partner"}]})
    assert answers == {"people": [{"name": "Dana"}, {"name": "Eli"}]}
