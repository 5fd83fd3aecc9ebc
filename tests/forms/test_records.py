"""validate_record: what the hub runs on every record a device pushes."""

from __future__ import annotations

from typing import Any

import pytest

from forms import EXAMPLE_TODAY, clean_answers, example_answers, load_spec, spec_hash, validate_record

CASE = {"child_name": "Amy Example", "date_of_birth": "2021-03-14", "nhs_number": "9990000018", "postcode": "TQ1 2AB"}
PERSON = {"name": "Dana Example", "role": "parent", "risk_factors": ["mental_health"], "parental_responsibility": True}
NOTE = {"text": "Home visit.", "written_at": "2026-11-30T09:30:00+01:00", "author": "Sam Carter"}
REQUEST = {
    "reference": "MASH-2026-0042",
    "rag": "amber",
    "deadline": "2026-12-01T10:00:00+00:00",
    "practice_ods": "L83001",
    "child": {"name": "Amy Example", "date_of_birth": "2021-03-14", "nhs_number": "9990000018"},
    "adults": [{"name": "Dana Example", "relationship": "mother"}],
    "questions": ["Any injuries?"],
    "requested_by": "Hub triage",
}
RID = "0193c1f4-3b5e-7cc2-8a1b-6f2d3e4a5b6c"


def form_record(which: str, **changes: Any) -> dict[str, Any]:
    spec = load_spec(which)
    record: dict[str, Any] = {
        "form_id": which,
        "form_version": spec.version,
        "spec_hash": spec_hash(spec),
        "answers": clean_answers(spec, example_answers(which), today=EXAMPLE_TODAY),
        "submitted_at": "2026-11-30T10:20:00+00:00",
    }
    if which == "gp_response":
        record["request_id"] = RID
    return {**record, **changes}


VALID = [
    ("case", CASE),
    ("case", {"child_name": "Baby Example", "nhs_number_not_known": True, "unborn_expected_date": "2027-02-01"}),
    ("person", PERSON),
    ("note", NOTE),
    ("note", {"text": "Correction: the visit was on Tuesday.", "addendum_to": RID}),
    ("info_request", REQUEST),
    ("form", form_record("hv_concern")),
    ("form", form_record("sn_referral")),
    ("form", form_record("case_note")),
    ("response", form_record("gp_response")),
]


@pytest.mark.parametrize(("record_type", "fields"), VALID)
def test_valid_records_pass(record_type: str, fields: dict[str, Any]) -> None:
    assert validate_record(record_type, fields) == []


INVALID = [
    ("case", {**CASE, "nhs_number": None}, ("", "nhs_number_or_not_known")),
    ("case", {**CASE, "nhs_number": "9990000019"}, ("nhs_number", "invalid_nhs_number")),
    ("case", {**CASE, "nhs_number": "999 000 0018"}, ("nhs_number", "invalid_nhs_number")),  # not normalised
    ("case", {**CASE, "postcode": "tq1 2ab"}, ("postcode", "invalid_postcode")),
    ("case", {**CASE, "gp_practice_ods": "X1"}, ("gp_practice_ods", "invalid_ods_code")),
    ("case", {**CASE, "date_of_birth": "14/03/2021"}, ("date_of_birth", "bad_date")),
    ("case", {**CASE, "surprise": 1}, ("surprise", "unknown_field")),
    ("case", {**CASE, "child_name": " "}, ("child_name", "blank")),
    ("case", {**CASE, "address": "x" * 501}, ("address", "string_too_long")),
    ("case", {**CASE, "interpreter_needed": "yes"}, ("interpreter_needed", "bool_type")),
    ("case", {"nhs_number": "9990000018"}, ("child_name", "missing")),
    ("person", {**PERSON, "role": "uncle"}, ("role", "literal_error")),
    ("person", {**PERSON, "risk_factors": ["gambling"]}, ("risk_factors.0", "literal_error")),
    ("note", {**NOTE, "text": ""}, ("text", "string_too_short")),
    ("note", {**NOTE, "text": "x" * 50_001}, ("text", "string_too_long")),
    ("note", {**NOTE, "addendum_to": "not-an-id"}, ("addendum_to", "string_pattern_mismatch")),
    ("note", {**NOTE, "written_at": "yesterday"}, ("written_at", "bad_datetime")),
    ("info_request", {**REQUEST, "rag": "purple"}, ("rag", "literal_error")),
    ("info_request", {**REQUEST, "questions": []}, ("questions", "too_short")),
    ("form", form_record("hv_concern", form_id="nope"), ("form_id", "unknown_form")),
    ("form", form_record("hv_concern", form_version=9), ("form_id", "unknown_form")),
    ("form", form_record("hv_concern", spec_hash="0" * 64), ("spec_hash", "spec_mismatch")),
    ("form", form_record("gp_response"), ("request_id", "unknown_field")),
    ("response", form_record("hv_concern", request_id=RID), ("form_id", "literal_error")),
    ("form", form_record("hv_concern", answers={}), ("answers.immediate_danger", "required")),
    ("form", form_record("hv_concern", answers={**example_answers("hv_concern"), "call_999_time": "x"}),
     ("answers.call_999_time", "hidden_answer")),
    ("response", form_record("gp_response", answers={**example_answers("gp_response"), "signature": None}),
     ("answers.signature", "required")),
    ("referral", {"case_id": RID}, ("form_record_ids", "missing")),
    ("shopping_list", {}, ("", "unknown_record_type")),
]  # fmt: skip


@pytest.mark.parametrize(("record_type", "fields", "issue"), INVALID)
def test_invalid_records_are_refused_with_a_reason(record_type: str, fields: Any, issue: tuple[str, str]) -> None:
    issues = validate_record(record_type, fields)
    assert issue in {(i.path, i.code) for i in issues}, issues
    assert all(i.severity == "error" for i in issues if (i.path, i.code) == issue)


def test_soft_warnings_are_not_rejections_and_reasons_travel_with_the_form() -> None:
    answers = {**example_answers("gp_response"), "responded_at": "2026-12-02T09:00:00+00:00"}
    issues = validate_record("response", form_record("gp_response", answers=answers))
    assert [(i.code, i.severity) for i in issues] == [("after_deadline", "warning")]
    overridden = form_record("gp_response", answers=answers, overrides={"responded_at": "Request arrived late."})
    assert validate_record("response", overridden) == []


def test_partial_updates_check_only_the_given_fields() -> None:
    assert validate_record("case", {"school": "Harbour Primary"}, partial=True) == []
    assert validate_record("case", {"nhs_number": None}, partial=True) == []  # the merged record is checked whole
    found = {(i.path, i.code) for i in validate_record("case", {"nhs_number": "123", "x": 1}, partial=True)}
    assert found == {("nhs_number", "invalid_nhs_number"), ("x", "unknown_field")}
    assert validate_record("case", {"child_name": None}, partial=True)[0].code == "string_type"
    assert validate_record("note", {"text": "changed"}, partial=True)[0].code == "append_only"


@pytest.mark.parametrize("garbage", [None, [], "x", 3, {"answers": []}, {None: 1}])
@pytest.mark.parametrize("record_type", ["case", "person", "note", "form", "referral", "info_request", "response", 7])
def test_garbage_never_raises(record_type: Any, garbage: Any) -> None:
    issues = validate_record(record_type, garbage)
    assert issues
    assert all(i.severity == "error" for i in issues)


def test_every_integer_of_every_record_model_is_bounded() -> None:
    """Class-wide: versions, counts and levels in record bodies have both bounds (a new unbounded one fails)."""
    from pydantic import BaseModel

    from forms import _records, _referral

    models: list[type[BaseModel]] = [_referral.Referral, _referral.SubmittedForm]
    todo: list[type[BaseModel]] = [_records._Record]
    while todo:
        for sub in todo.pop().__subclasses__():
            models.append(sub)
            todo.append(sub)
    loose = []
    for model in models:
        stack: list[Any] = [model.model_json_schema()]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if node.get("type") == "integer" and not {"minimum", "maximum"} <= set(node):
                    loose.append(model.__name__)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    assert len(models) >= 9
    assert loose == []
