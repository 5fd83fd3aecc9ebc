"""The engine: field states, repeats, kinds, hidden answers, clean answers, prefill."""

from __future__ import annotations

from typing import Any

import pytest

from forms import (
    EXAMPLE_TODAY,
    FormSpec,
    clean_answers,
    evaluate,
    example_answers,
    initial_answers,
    load_spec,
    validate,
    validate_submission,
)
from tests.forms._helpers import codes, edit

HV = load_spec("hv_concern")
GP = load_spec("gp_response")


def test_state_has_a_path_for_every_field_of_every_entry() -> None:
    state = evaluate(HV, example_answers("hv_concern"), today=EXAMPLE_TODAY)
    assert state.fields["children[2].nhs_number"].value == "9990000034"
    assert state.fields["children[0].injuries[1].position"].visible
    assert state.fields["children"].kind == "repeat"
    assert state.fields["children"].value == 3
    assert state.fields["urgency"].kind == "group"
    assert state.fields["urgency"].visible
    assert not state.fields["call_999_time"].visible
    assert state.fields["immediate_danger"].required
    assert "children[3].child_name" not in state.fields


def test_issues_are_attached_to_their_field_state() -> None:
    changes = {"immediate_danger": True, "level_of_need": "3", "consent": "given", "consent_given_by": "Mother"}
    answers = edit(example_answers("hv_concern"), changes)
    state = evaluate(HV, answers, today=EXAMPLE_TODAY)
    assert state.fields["call_999_time"].visible
    assert state.fields["call_999_time"].required
    assert [i.code for i in state.fields["call_999_time"].issues] == ["required"]
    assert state.issues_at("police_reference")[0].code == "required"
    assert {i.path for i in state.errors} == {"call_999_time", "police_reference"}
    assert [i.code for i in state.warnings] == ["danger_not_level4"]
    assert not state.fields["consent_not_given_reason"].visible  # its answer stays in the draft, hidden
    assert state.fields["level_of_need"].issues[0].code == "danger_not_level4"  # a rule's issue lands on its field


def test_a_hidden_answer_counts_as_unanswered_and_is_not_submitted() -> None:
    answers = edit(example_answers("hv_concern"), {"call_999_time": "not even a date", "immediate_danger": False})
    assert validate(HV, answers, today=EXAMPLE_TODAY) == []  # hidden: not checked
    assert "call_999_time" not in clean_answers(HV, answers, today=EXAMPLE_TODAY)
    strict = validate_submission(HV, answers, today=EXAMPLE_TODAY)
    assert codes(strict) == {("call_999_time", "hidden_answer")}


def test_clean_answers_normalise_and_fill_calculated_values() -> None:
    answers = edit(
        example_answers("hv_concern"),
        {
            "children[0].nhs_number": "999 000 0018",
            "children[0].postcode": "tq1 2ab",
            "da_disclosed": True,
            "dash_completed": True,
            "dash_yes": ["q01", "q02"],
            "marac_referral": False,
            "stray": 1,
        },
    )
    clean = clean_answers(HV, answers, today=EXAMPLE_TODAY)
    assert clean["children"][0]["nhs_number"] == "9990000018"
    assert clean["children"][0]["postcode"] == "TQ1 2AB"
    assert clean["dash_score"] == 2
    assert "stray" not in clean
    assert validate_submission(HV, clean, today=EXAMPLE_TODAY) == []
    assert clean_answers(HV, clean, today=EXAMPLE_TODAY) == clean  # idempotent


def test_a_wrong_calculated_value_is_refused_by_the_strict_check() -> None:
    answers = edit(
        example_answers("hv_concern"),
        {"da_disclosed": True, "dash_completed": True, "dash_yes": ["q01"], "marac_referral": False, "dash_score": 20},
    )
    assert ("dash_score", "calculated_mismatch") in codes(validate_submission(HV, answers, today=EXAMPLE_TODAY))


def test_unknown_fields_are_errors_at_every_level() -> None:
    answers = edit(
        example_answers("hv_concern"), {"bogus": 1, "children[1].bogus": 2, "children[0].injuries[0].bogus": 3}
    )
    found = codes(validate(HV, answers, today=EXAMPLE_TODAY))
    assert found == {
        ("bogus", "unknown_field"),
        ("children[1].bogus", "unknown_field"),
        ("children[0].injuries[0].bogus", "unknown_field"),
    }


@pytest.mark.parametrize(
    ("changes", "issue"),
    [
        ({"children": []}, ("children", "too_few")),
        ({"children": [example_answers("hv_concern")["children"][0]] * 13}, ("children", "too_many")),
        ({"children": "Amy"}, ("children", "wrong_type")),
        ({"children": ["Amy"]}, ("children[0]", "wrong_type")),
        ({"children[0].injuries[0].size_cm": 101}, ("children[0].injuries[0].size_cm", "out_of_range")),
        ({"children[0].injuries[0].size_cm": "2"}, ("children[0].injuries[0].size_cm", "wrong_type")),
        ({"missed_contacts": 2.5, "access": "no_access"}, ("missed_contacts", "wrong_type")),
        ({"missed_contacts": -1, "access": "no_access"}, ("missed_contacts", "out_of_range")),
        ({"visit_date": "2026-12-01"}, ("visit_date", "in_future")),
        ({"visit_date": "30/11/2026"}, ("visit_date", "bad_date")),
        ({"referred_at": "2026-11-30"}, ("referred_at", "bad_datetime")),
        ({"immediate_danger": "no"}, ("immediate_danger", "wrong_type")),
        ({"visit_type": "carrier_pigeon"}, ("visit_type", "unknown_option")),
        ({"categories": ["physical", "physical"]}, ("categories", "unknown_option")),
        ({"categories": "physical"}, ("categories", "wrong_type")),
        ({"children[0].postcode": "TQ1"}, ("children[0].postcode", "invalid_postcode")),
        ({"children[0].gp_practice_ods": "12345"}, ("children[0].gp_practice_ods", "invalid_ods_code")),
        ({"referrer_phone": "999"}, ("referrer_phone", "invalid_phone")),
        ({"referrer_email": "sam"}, ("referrer_email", "invalid_email")),
        ({"registration": "12345"}, ("registration", "bad_format")),
        ({"worry": "x" * 50_001}, ("worry", "too_long")),
        ({"disclosures[0].who": "children[7]"}, ("disclosures[0].who", "bad_reference")),
        ({"disclosures[0].who": "professionals[0]"}, ("disclosures[0].who", "bad_reference")),
        (
            {"children[0].injuries[0].position": {"view": "side", "x": 0.1, "y": 0.1}},
            ("children[0].injuries[0].position", "bad_position"),
        ),
        (
            {"children[0].injuries[0].position": {"view": "front", "x": 1.5, "y": 0.1}},
            ("children[0].injuries[0].position", "bad_position"),
        ),
        ({"children[0].injuries[0].position": {"view": "front"}}, ("children[0].injuries[0].position", "bad_position")),
        (
            {"children[0].injuries[0].photo": {"sha256": "x", "name": "a", "media_type": "image/jpeg", "size": 1}},
            ("children[0].injuries[0].photo", "bad_attachment"),
        ),
        (
            {"attestation": {"signed_by": "Sam", "signed_at": "2026-11-30T10:15:00Z", "attested": False}},
            ("attestation", "bad_signature"),
        ),
        (
            {"attestation": {"signed_by": "Sam", "signed_at": "yesterday", "attested": True}},
            ("attestation", "bad_signature"),
        ),
        (
            {
                "immediate_danger": True,
                "call_999_time": "2026-11-30T09:50:00Z",
                "police_reference": "DC-1",
                "call_999_now": "I read it",
            },
            ("call_999_now", "not_answerable"),
        ),
        ({"children[0].date_of_birth": {"value": "2021-03-14", "estimated": True}}, None),
        ({"children[0].injuries[0].position": {"view": "back", "region": "buttocks"}}, None),
        ({"disclosures[0].who": "0193c1f4-3b5e-7cc2-8a1b-6f2d3e4a5b6c"}, None),
    ],
)
def test_kinds_and_repeat_bounds(changes: dict[str, Any], issue: tuple[str, str] | None) -> None:
    found = codes(validate(HV, edit(example_answers("hv_concern"), changes), today=EXAMPLE_TODAY))
    if issue is None:
        assert found == set()
    else:
        assert issue in found, sorted(found)


def test_an_estimated_date_still_drives_the_logic() -> None:
    answers = edit(
        example_answers("hv_concern"), {"children[0].date_of_birth": {"value": "2026-10-01", "estimated": True}}
    )
    state = evaluate(HV, answers, today=EXAMPLE_TODAY)
    assert state.fields["children[0].mobile"].visible  # under 2: the mobility question appears


def test_garbage_answers_do_not_raise() -> None:
    garbage: Any
    for garbage in (None, [], "x", 3, {"children": {"a": 1}}, {"children": [None, 3, []]}, {1: 2, None: 3}):
        state = evaluate(HV, garbage, today=EXAMPLE_TODAY)
        assert state.errors


def test_initial_answers_prefill_from_the_case_and_the_request() -> None:
    case = {
        "child_name": "Amy Example",
        "nhs_number": "9990000018",
        "date_of_birth": "2021-03-14",
        "aliases": ["Aimee", "Amy E"],
        "postcode": "TQ1 2AB",
    }
    start = initial_answers(HV, case=case)
    assert start["children"] == [
        {
            "child_name": "Amy Example",
            "aliases": "Aimee\nAmy E",
            "unborn": False,
            "date_of_birth": "2021-03-14",
            "nhs_number": "9990000018",
            "postcode": "TQ1 2AB",
        }
    ]
    assert start["lawful_basis_art6"] == "art6_1_e"  # a default
    assert start["referrer_agency"] == "Health visiting"
    request = {
        "reference": "MASH-1",
        "rag": "red",
        "deadline": "2026-11-30T14:00:00+00:00",
        "practice_ods": "L83001",
        "child": {"name": "Amy Example", "date_of_birth": "2021-03-14", "nhs_number": "9990000018"},
        "adults": [{"name": "Dana Example", "relationship": "mother"}],
        "questions": ["Any injuries?", "A&E?"],
    }
    gp = initial_answers(GP, request=request)
    assert gp["request_reference"] == "MASH-1"
    assert gp["request_rag"] == "red"
    assert gp["request_child_nhs"] == "9990000018"
    assert gp["practice_ods"] == "L83001"
    assert gp["request_questions"] == "Any injuries?\nA&E?"
    assert gp["request_adults"] == "Dana Example, mother"
    state = evaluate(GP, gp, today=EXAMPLE_TODAY)
    assert state.fields["request_reference"].read_only


def test_display_and_group_visibility_follow_their_conditions() -> None:
    state = evaluate(GP, edit(example_answers("gp_response"), {"nothing_known": True}), today=EXAMPLE_TODAY)
    assert not state.fields["child_info"].visible
    assert not state.fields["conditions"].visible
    assert not state.fields["adults"].visible
    assert state.fields["signature"].visible


def test_validation_uses_a_compiled_spec_per_object() -> None:
    copy = FormSpec.model_validate(HV.model_dump())
    assert validate(copy, example_answers("hv_concern"), today=EXAMPLE_TODAY) == []
