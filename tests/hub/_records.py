"""Valid record fields for hub tests, made with the forms package the hub validates against."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import forms

SUBMITTED_AT = "2026-11-30T10:00:00+00:00"


def case_fields(**changes: Any) -> dict[str, Any]:
    return {"child_name": "Alex Example", "nhs_number_not_known": True, **changes}


def form_fields(form_id: str = "sn_referral") -> dict[str, Any]:
    spec = forms.load_spec(form_id)
    return {
        "form_id": form_id,
        "form_version": spec.version,
        "spec_hash": forms.spec_hash(spec),
        "answers": forms.example_answers(form_id),
        "submitted_at": SUBMITTED_AT,
    }


def referral_fields(case_id: str, postcode: str = "TQ1 2AB") -> dict[str, Any]:
    """A referral as the device's referral builder makes it (routed by the case's postcode)."""
    case = case_fields(postcode=postcode, date_of_birth="2012-03-14")
    submitted = forms.SubmittedForm(record_id=str(uuid.uuid4()), **form_fields())
    referral = forms.build_referral(
        case_id=case_id,
        case=case,
        forms=[submitted],
        created_by="Sam Carter",
        created_at=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC),
    )
    fields: dict[str, Any] = referral.model_dump(mode="json")
    return fields


def response_fields(request_id: str) -> dict[str, Any]:
    return {**form_fields("gp_response"), "request_id": request_id}


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
