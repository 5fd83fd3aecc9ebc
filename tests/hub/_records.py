"""Valid record fields for hub tests, made with the forms package the hub validates against."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

import forms
from hub._authorship import FORM_AUTHOR_FIELDS
from hub._db import Database
from hub._tables import records

SUBMITTED_AT = "2026-11-30T10:00:00+00:00"


def case_fields(**changes: Any) -> dict[str, Any]:
    return {"child_name": "Alex Example", "nhs_number_not_known": True, **changes}


def authored(value: Any, by: str, ods: str | None = None, registration: str | None = None) -> Any:
    """``value`` (a form's answers) with every author-like answer saying ``by`` wrote it (and ``ods`` is their
    practice, ``registration`` their number on file): what the hub accepts from the user whose display name is
    ``by``."""
    if isinstance(value, list):
        return [authored(item, by, ods, registration) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        source = FORM_AUTHOR_FIELDS.get(key)
        if source == "display_name":
            item = by
        elif source == "ods_code" and ods is not None:
            item = ods
        elif source == "registration" and registration is not None:
            item = registration
        out[key] = authored(item, by, ods, registration)
    return out


def form_fields(
    form_id: str = "sn_referral", by: str = "HV1", ods: str | None = None, registration: str | None = None
) -> dict[str, Any]:
    """A submitted form by the test user whose display name is ``by`` (test hub users are named USERNAME)."""
    spec = forms.load_spec(form_id)
    return {
        "form_id": form_id,
        "form_version": spec.version,
        "spec_hash": forms.spec_hash(spec),
        "answers": authored(forms.example_answers(form_id), by, ods, registration),
        "submitted_at": SUBMITTED_AT,
    }


def referral_fields(case_id: str, postcode: str = "TQ1 2AB", by: str = "HV1") -> dict[str, Any]:
    """A referral as the device's referral builder makes it (routed by the case's postcode)."""
    case = case_fields(postcode=postcode, date_of_birth="2012-03-14")
    submitted = forms.SubmittedForm(record_id=str(uuid.uuid4()), **form_fields(by=by))
    referral = forms.build_referral(
        case_id=case_id,
        case=case,
        forms=[submitted],
        created_by=by,
        created_at=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC),
    )
    fields: dict[str, Any] = referral.model_dump(mode="json")
    return fields


def stored_request(db: Database, record_id: str) -> dict[str, Any]:
    """An information request as the hub holds it: its record_id, case_id and fields (what a device pulls)."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(records.c.record_id, records.c.case_id, records.c.fields).where(records.c.record_id == record_id)
        ).one()
    return {"record_id": row.record_id, "case_id": row.case_id, "fields": json.loads(row.fields)}


def response_fields(
    request: Mapping[str, Any], by: str = "GP1", ods: str = "A81001", registration: str | None = None
) -> dict[str, Any]:
    """A GP's answer to ``request`` (a pulled change or ``stored_request``: its record_id and fields), repeating
    what the request asked as the app's form does."""
    return _answer("gp_response", request, by, ods, registration)


def team_response_fields(
    request: Mapping[str, Any], by: str, team: str, registration: str | None = None
) -> dict[str, Any]:
    """A health visiting or school nursing team's answer (``team`` is the member's team code)."""
    return _answer("team_response", request, by, team, registration)


def _answer(form_id: str, request: Mapping[str, Any], by: str, ods: str, registration: str | None) -> dict[str, Any]:
    fields = form_fields(form_id, by=by, ods=ods, registration=registration)
    spec = forms.load_spec(form_id)
    echo = forms.initial_answers(spec, request=request.get("fields") or {})
    answers = {k: v for k, v in fields["answers"].items() if not k.startswith("request_")}
    answers.update({k: v for k, v in echo.items() if k.startswith("request_")})
    if "question_answers" in answers:
        answers["question_answers"] = [
            {**entry, "answer": "Nothing known to the practice."} for entry in echo.get("question_answers", [])
        ]
    return {**fields, "answers": forms.clean_answers(spec, answers), "request_id": request["record_id"]}


def info_request_fields(practice_ods: str = "A81001") -> dict[str, Any]:
    return {
        "reference": "IR-TEST-1",
        "rag": "red",
        "deadline": "2026-11-30T14:00:00+00:00",
        "practice_ods": practice_ods,
        "child": {"name": "Alex Example"},
        "adults": [],
        "questions": ["Known to the practice?"],
        "requested_by": "staff1",
    }
