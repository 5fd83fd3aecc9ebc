"""Messages that name what is wrong, dates that cannot be true, and the explicit "Not known" (specs built here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms import (
    EXAMPLE_TODAY,
    NOT_KNOWN,
    FormField,
    FormSpec,
    IssueCode,
    clean_answers,
    date_from_parts,
    date_parts,
    evaluate,
    load_spec,
    summary_lines,
    validate,
    validate_submission,
)
from forms._messages import error_name, is_not_known, required_message

TODAY = dt.date(2026, 3, 1)


def _field(**kw: Any) -> FormField:
    return FormField.model_validate({"id": "x", **kw})


def _spec(*items: dict[str, Any], rules: tuple[dict[str, Any], ...] = ()) -> FormSpec:
    return FormSpec.model_validate({"id": "t", "version": 1, "title": "T", "items": list(items), "rules": rules})


def test_a_blank_required_field_is_named_by_its_label_with_the_verb_of_its_input() -> None:
    assert required_message(_field(kind="date", label="Date of birth")) == "Enter the date of birth"
    assert required_message(_field(kind="short_text", label="Child's full name")) == "Enter the child's full name"
    assert required_message(_field(kind="nhs_number", label="NHS number")) == "Enter the NHS number"
    assert required_message(_field(kind="integer", label="Your age")) == "Enter your age"
    assert (
        required_message(_field(kind="single_choice", label="Kind of contact", options=[{"code": "a", "label": "A"}]))
        == "Select the kind of contact"
    )
    assert (
        required_message(_field(kind="single_choice", label="Level of need (against the threshold)",
                                options=[{"code": "a", "label": "A"}]))
        == "Select the level of need"
    )  # fmt: skip
    assert required_message(_field(kind="yes_no", label="Was the child seen?")) == (
        "Select yes or no: Was the child seen?"
    )
    assert required_message(_field(kind="short_text", label="Describe the injury")) == "Describe the injury"
    assert required_message(_field(kind="body_map", label="Where on the body")) == "Mark where on the body"
    assert required_message(_field(kind="signature", label="Signature")) == "Tick the box to sign the form"


def test_the_specs_error_name_and_required_message_come_first() -> None:
    named = _field(kind="date", label="Date of birth", error_name="the child's date of birth")
    assert required_message(named) == "Enter the child's date of birth"
    assert error_name(named) == "the child's date of birth"
    own = _field(kind="date", label="Date of birth", error_name="x", required_message="Give the date, or say why not.")
    assert required_message(own) == "Give the date, or say why not."
    assert required_message(_field(kind="yes_no", label="Is it safe?", error_name="whether it is safe")) == (
        "Select whether it is safe"
    )


def test_the_engine_says_it_for_every_blank_required_field_of_the_bundled_forms() -> None:
    for form_id in ("hv_concern", "sn_referral", "gp_response", "team_response", "case_note"):
        issues = validate(load_spec(form_id), {}, today=EXAMPLE_TODAY)
        required = [i for i in issues if i.code == IssueCode.REQUIRED]
        assert required, form_id
        assert not [i for i in required if i.message == "Answer this question."], form_id
    hv = {i.path: i.message for i in validate(load_spec("hv_concern"), {}, today=EXAMPLE_TODAY)}
    assert hv["visit_date"] == "Enter the date of the contact"
    assert hv["immediate_danger"] == "Select yes or no: Is a child in immediate danger?"


def test_a_date_that_is_not_on_the_calendar_names_the_field() -> None:
    spec = _spec({"kind": "date", "id": "dob", "label": "Date of birth", "required": True})
    [issue] = validate(spec, {"dob": "2025-02-30"}, today=TODAY)
    assert (issue.code, issue.message) == (IssueCode.BAD_DATE, "Date of birth must be a real date")
    named = _spec({"kind": "date", "id": "dob", "label": "Date of birth", "error_name": "the child's date of birth"})
    [issue] = validate(named, {"dob": "2025-13-01"}, today=TODAY)
    assert issue.message == "The child's date of birth must be a real date"
    assert validate(spec, {"dob": "2025-02-28"}, today=TODAY) == []


def test_a_visit_before_the_child_was_born_is_refused_by_a_rule_in_the_childs_scope() -> None:
    """No new engine support is needed: a rule in the repeat's scope sees the visit date outside it."""
    spec = _spec(
        {"kind": "date", "id": "visit_date", "label": "Date of the visit", "required": True},
        {
            "kind": "repeat",
            "id": "children",
            "label": "Children",
            "item_label": "Child",
            "items": [{"kind": "date", "id": "dob", "label": "Date of birth"}],
        },
        rules=(
            {
                "id": "visit_before_birth",
                "scope": "children",
                "when": {"lt": [{"var": "visit_date"}, {"var": "dob"}]},
                "path": "dob",
                "code": "visit_before_birth",
                "message": "The visit cannot be before the child was born",
            },
        ),
    )
    refused = validate(spec, {"visit_date": "2025-01-01", "children": [{"dob": "2025-06-01"}]}, today=TODAY)
    assert [(i.path, i.code) for i in refused] == [("children[0].dob", "visit_before_birth")]
    assert validate(spec, {"visit_date": "2025-07-01", "children": [{"dob": "2025-06-01"}]}, today=TODAY) == []


NOT_KNOWN_SPEC = _spec(
    {"kind": "nhs_number", "id": "nhs", "label": "NHS number", "required": True, "allow_not_known": True,
     "summary": True},
    {"kind": "short_text", "id": "name", "label": "Name", "required": True},
)  # fmt: skip


def test_not_known_answers_a_required_question_that_allows_it_and_no_other() -> None:
    assert is_not_known(NOT_KNOWN)
    assert not is_not_known({"not_known": False})
    assert not is_not_known("Not known")
    answers = {"nhs": dict(NOT_KNOWN), "name": "Amy"}
    assert validate(NOT_KNOWN_SPEC, answers, today=TODAY) == []
    assert validate_submission(NOT_KNOWN_SPEC, answers, today=TODAY) == []
    state = evaluate(NOT_KNOWN_SPEC, answers, today=TODAY)
    assert state.fields["nhs"].value is None  # logic sees no NHS number
    assert clean_answers(NOT_KNOWN_SPEC, answers, today=TODAY)["nhs"] == {"not_known": True}
    # a question without allow_not_known refuses it
    refused = validate(NOT_KNOWN_SPEC, {"nhs": "9434765919", "name": dict(NOT_KNOWN)}, today=TODAY)
    assert [(i.path, i.code) for i in refused] == [("name", IssueCode.WRONG_TYPE)]
    # blank is still blank
    [blank] = validate(NOT_KNOWN_SPEC, {"name": "Amy"}, today=TODAY)
    assert (blank.path, blank.message) == ("nhs", "Enter the NHS number")


def test_not_known_reads_as_words_in_the_summary() -> None:
    lines = summary_lines(NOT_KNOWN_SPEC, {"nhs": dict(NOT_KNOWN), "name": "Amy"}, TODAY)
    assert lines == ["NHS number: Not known"]
    assert summary_lines(NOT_KNOWN_SPEC, {"nhs": "9434765919", "name": "Amy"}, TODAY) == ["NHS number: 943 476 5919"]


def test_day_month_and_year_become_the_iso_answer_and_back() -> None:
    assert date_from_parts("1", "6", "2025") == "2025-06-01"
    assert date_from_parts(" 01 ", "06", "2025") == "2025-06-01"
    assert date_from_parts("", "", "") is None
    assert date_from_parts("30", "2", "2025") == "2025-02-30"  # kept for the checker to refuse
    assert date_from_parts("1", "", "2025") == "2025--1"
    assert date_from_parts("1", "6", "25") == "25-6-1"  # a two-digit year is not a whole date
    assert date_parts("2025-06-01") == ("1", "6", "2025")
    assert date_parts({"value": "2025-06-01", "estimated": True}) == ("1", "6", "2025")
    assert date_parts("2025--1") == ("1", "", "2025")
    assert date_parts(None) == ("", "", "")
    assert date_parts("not a date") == ("", "", "")


def test_a_date_missing_a_part_says_which_and_an_impossible_one_says_it_is_not_real() -> None:
    spec = _spec({"kind": "date", "id": "dob", "label": "Date of birth", "required": True})
    for parts, message in [
        (("1", "", "2025"), "Date of birth must include a month"),
        (("", "6", "2025"), "Date of birth must include a day"),
        (("1", "6", ""), "Date of birth must include a year"),
        (("31", "4", "2025"), "Date of birth must be a real date"),
        (("1", "6", "25"), "Date of birth must be a real date"),
    ]:
        [issue] = validate(spec, {"dob": date_from_parts(*parts)}, today=TODAY)
        assert (issue.code, issue.message) == (IssueCode.BAD_DATE, message), parts
    assert validate(spec, {"dob": date_from_parts("1", "6", "2025")}, today=TODAY) == []
