"""Every date field of every record type follows a declared rule (class-wide), and dates that cannot be true are
refused on every record that holds one: a new date field without a rule fails ``test_every_date_field_has_a_rule``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from pydantic import BaseModel

import forms
from forms import ValidationIssue, _records
from forms._dates import BIRTH_IN_FUTURE, BIRTH_TOO_EARLY, EXPECTED_TOO_FAR

TODAY = dt.date(2026, 12, 1)
TOMORROW = "2026-12-02"

BIRTH, EXPECTED, DEVICE_CLOCK, HUB_SET = "birth", "expected", "device clock", "hub set"
#: (model, field) -> the rule it follows. Device clocks are for display only and may be anything (a dead clock
#: battery says 1970): refusing them would lose a caseworker's note for a fault they cannot fix. Hub-set dates are
#: written by hub staff through the CLI. Dates inside form answers follow their spec's constraints.
RULES: dict[tuple[str, str], str] = {
    ("CaseFields", "date_of_birth"): BIRTH,
    ("CaseFields", "unborn_expected_date"): EXPECTED,
    ("PersonFields", "date_of_birth"): BIRTH,
    ("RequestChild", "date_of_birth"): BIRTH,
    ("RequestAdult", "date_of_birth"): BIRTH,
    ("NoteFields", "written_at"): DEVICE_CLOCK,
    ("FormFields", "submitted_at"): DEVICE_CLOCK,
    ("ResponseFields", "submitted_at"): DEVICE_CLOCK,
    ("InfoRequestFields", "deadline"): HUB_SET,
    ("InfoRequestFields", "chased_at"): HUB_SET,
}


def _models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [_records._Record]
    while todo:
        model = todo.pop()
        for sub in model.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


def _looks_like_a_date(model: type[BaseModel], name: str) -> bool:
    text = f"{name} {model.model_fields[name].annotation}".lower()
    return "date" in name or name.endswith("_at") or "deadline" in name or "isodate" in text or "birth" in text


def test_every_date_field_has_a_rule() -> None:
    found = {(m.__name__, n) for m in _models() for n in m.model_fields if _looks_like_a_date(m, n)}
    assert found == set(RULES)


def _case(**extra: Any) -> dict[str, Any]:
    return {"child_name": "Alex Example", "nhs_number_not_known": True, **extra}


def _request(child: dict[str, Any] | None = None, adult: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "reference": "IR-1", "rag": "red", "deadline": "2026-11-30T14:00:00+00:00", "practice_ods": "A81001",
        "child": {"name": "Alex Example", **(child or {})}, "adults": [{"name": "Pat Example", **(adult or {})}],
        "questions": ["Known?"], "requested_by": "staff1",
    }  # fmt: skip


def _referral(case: dict[str, Any]) -> dict[str, Any]:
    spec = forms.load_spec("sn_referral")
    submitted = forms.SubmittedForm(
        record_id=str(uuid.uuid4()), form_id="sn_referral", form_version=spec.version, spec_hash=forms.spec_hash(spec),
        answers=forms.example_answers("sn_referral"), submitted_at="2026-11-30T10:00:00+00:00",
    )  # fmt: skip
    referral = forms.build_referral(
        case_id=str(uuid.uuid4()), case={"postcode": "TQ1 2AB", **case}, forms=[submitted], created_by="Sam Carter",
        created_at=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC),
    )  # fmt: skip
    fields: dict[str, Any] = referral.model_dump(mode="json")
    return fields


#: Every place a birth date lives in a record, as (record type, fields with the date at ``d``, path, partial).
BIRTH_PLACES = [
    ("case", lambda d: _case(date_of_birth=d), "date_of_birth", False),
    ("case", lambda d: {"date_of_birth": d}, "date_of_birth", True),
    ("person", lambda d: {"name": "Pat Example", "date_of_birth": d}, "date_of_birth", False),
    ("person", lambda d: {"date_of_birth": d}, "date_of_birth", True),
    ("info_request", lambda d: _request(child={"date_of_birth": d}), "child.date_of_birth", False),
    ("info_request", lambda d: _request(adult={"date_of_birth": d}), "adults.0.date_of_birth", False),
    ("referral", lambda d: _referral(_case(date_of_birth=d)), "document.child.date_of_birth", False),
]


def _codes(issues: list[ValidationIssue]) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in issues if i.severity == "error"]


@pytest.mark.parametrize(("record_type", "make", "path", "partial"), BIRTH_PLACES)
def test_a_birth_date_in_the_future_or_before_1900_is_refused(
    record_type: str, make: Any, path: str, partial: bool
) -> None:
    def check(day: str) -> list[tuple[str, str]]:
        return _codes(forms.validate_record(record_type, make(day), partial=partial, today=TODAY))

    assert check(TOMORROW) == [(path, BIRTH_IN_FUTURE[0])]
    assert check("2999-01-01") == [(path, BIRTH_IN_FUTURE[0])]
    assert check("1899-12-31") == [(path, BIRTH_TOO_EARLY[0])]
    assert check(TODAY.isoformat()) == []
    assert check("1900-01-01") == []


@pytest.mark.parametrize("partial", [False, True])
def test_an_expected_date_of_delivery_is_its_own_field(partial: bool) -> None:
    def check(day: str) -> list[tuple[str, str]]:
        fields = {"unborn_expected_date": day} if partial else _case(unborn_expected_date=day)
        return _codes(forms.validate_record("case", fields, partial=partial, today=TODAY))

    assert check("2027-06-01") == []  # a baby not yet born: its date is ahead, and that is right
    assert check("2026-11-01") == []  # passed: the birth may not be recorded yet
    assert check("2027-10-06") == [("unborn_expected_date", EXPECTED_TOO_FAR[0])]


def test_the_rule_is_against_the_day_of_checking() -> None:
    """A record valid on the day it was written offline stays valid when it arrives later (rules only loosen)."""
    fields = _case(date_of_birth=TOMORROW)
    assert _codes(forms.validate_record("case", fields, today=TODAY)) != []
    assert _codes(forms.validate_record("case", fields, today=TODAY + dt.timedelta(days=1))) == []


def _spec_fields(items: Any) -> Any:
    for item in items:
        yield item
        yield from _spec_fields(getattr(item, "items", None) or ())


def test_every_birth_date_in_a_form_refuses_the_future() -> None:
    """The form path's side of the same rule: a date-of-birth field of every spec either refuses a future date (an
    error, not a warning) or is a read-only copy of a record the hub already checked (prefilled)."""
    births = [
        (spec.id, version, item)
        for spec in forms.list_specs()
        for version in forms.list_versions(spec.id)
        for item in _spec_fields(forms.load_spec(spec.id, version).items)
        if getattr(item, "kind", None) == "date" and "birth" in item.label.lower()
    ]
    assert len(births) >= 5  # hv_concern and sn_referral (the child and each child), gp_response (the request's)
    unguarded = [
        (form_id, version, item.id)
        for form_id, version, item in births
        if not any(c.code == BIRTH_IN_FUTURE[0] and c.severity == "error" for c in item.constraints)
        and not (item.read_only and item.prefill)
    ]
    assert unguarded == []
