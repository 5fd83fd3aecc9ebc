"""The case screen's logic: demographics (validated as typed), the timeline with sync state and receipts, flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from forms import (
    Problem,
    birth_date_problem,
    england_today,
    expected_date_problem,
    normalise_nhs_number,
    normalise_ods_code,
    normalise_postcode,
    parse_date,
    role_forms,
)

if TYPE_CHECKING:
    from fieldapp.state.needs import KnowsEnrolment, SavesRecords

#: Demographic fields of a case record, in screen order: (field, label).
DEMOGRAPHICS: tuple[tuple[str, str], ...] = (
    ("child_name", "Child's name"),
    ("date_of_birth", "Date of birth (YYYY-MM-DD)"),
    ("unborn_expected_date", "Not born yet: expected date of delivery (YYYY-MM-DD)"),
    ("nhs_number", "NHS number"),
    ("gender", "Gender"),
    ("address", "Address"),
    ("postcode", "Postcode"),
    ("gp_practice_ods", "GP practice (ODS code)"),
    ("school", "School"),
)
TYPE_LABELS = {
    "note": "Note",
    "form": "Form",
    "referral": "Referral",
    "response": "GP response",
    "info_request": "Information request",
    "person": "Person",
}


#: The date fields of the screen and the rule of ``forms._dates`` each one follows (the hub applies the same ones).
_DATE_RULES: dict[str, Callable[[dt.date, dt.date], Problem | None]] = {
    "date_of_birth": birth_date_problem,
    "unborn_expected_date": expected_date_problem,
}


def check_demographics(values: dict[str, Any], *, today: dt.date | None = None) -> dict[str, str]:
    """Field -> message for every problem. User input never raises."""
    problems: dict[str, str] = {}
    if not str(values.get("child_name") or "").strip():
        problems["child_name"] = "Enter the child's name."
    nhs = str(values.get("nhs_number") or "").strip()
    if nhs and normalise_nhs_number(nhs) is None:
        problems["nhs_number"] = "This is not a valid NHS number: check the 10 digits."
    if not nhs and not values.get("nhs_number_not_known"):
        problems["nhs_number"] = "Enter the NHS number, or tick 'NHS number not known'."
    pc = str(values.get("postcode") or "").strip()
    if pc and normalise_postcode(pc) is None:
        problems["postcode"] = "Enter a real UK postcode, like TQ1 2AB."
    ods = str(values.get("gp_practice_ods") or "").strip()
    if ods and normalise_ods_code(ods) is None:
        problems["gp_practice_ods"] = "An ODS code is one letter and five digits, like A81001."
    for name, rule in _DATE_RULES.items():
        text = str(values.get(name) or "").strip()
        if not text:
            continue
        day = parse_date(text)  # the hub's own reading of a date
        problem = (
            rule(day, today or england_today()) if day is not None else ("bad_date", "Enter the date as YYYY-MM-DD.")
        )
        if problem is not None:
            problems[name] = problem[1]
    return problems


def normalised(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out.get("nhs_number"):
        out["nhs_number"] = normalise_nhs_number(out["nhs_number"]) or out["nhs_number"]
    if out.get("postcode"):
        out["postcode"] = normalise_postcode(out["postcode"]) or out["postcode"]
    if out.get("gp_practice_ods"):
        out["gp_practice_ods"] = normalise_ods_code(out["gp_practice_ods"]) or out["gp_practice_ods"]
    return {k: v for k, v in out.items() if v not in (None, "")} | {
        "nhs_number_not_known": bool(out.get("nhs_number_not_known"))
    }


def attested_author(hub_meta: dict[str, Any]) -> str:
    """ "By Name (role, organisation)" from the author the hub attests; "" for a record the hub has not sent back."""
    author = hub_meta.get("author")
    if not isinstance(author, dict) or not author.get("display_name"):
        return ""
    role = str(author.get("role") or "").replace("_", " ")
    where = ", ".join(str(p) for p in (role, author.get("organisation")) if p)
    return f"By {author['display_name']}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class TimelineItem:
    record_id: str
    kind: str
    title: str
    detail: str
    sync: str  # "Waiting to sync" | "Sent" | "Received by hub <ref>" | "Conflict" | "Rejected: ..."
    when: str
    addendum_to: str | None = None
    author: str = ""  # who wrote it, as the hub attests it ("" until the hub has it): never the body's own words


def sync_label(state: str, receipt_ref: str | None = None, status: str | None = None) -> str:
    if state == "conflict":
        return "Conflict: choose values"
    if state == "rejected":
        return "Rejected by the hub: fix it"
    if state == "pending":
        return "Waiting to sync"
    out = "Received by hub" if receipt_ref else "Synced"
    if receipt_ref:
        out += f" · ref {receipt_ref}"
    if status:
        out += f" · {status}"
    return out


def concern_form(services: KnowsEnrolment) -> str | None:
    """The form "Raise a concern" opens for the enrolled user's role (a school nurse's own referral form); None when
    the role raises none (a GP). Before enrolling, the health visitor's form, as the app always offered."""
    creds = services.credentials()
    return role_forms(creds.user.role if creds is not None else None).concern_form


@dataclass
class CaseState:
    services: SavesRecords
    case_id: UUID
    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)
    saved_message: str = ""
    found: bool = False

    def load(self) -> None:
        repo = self.services.repo
        assert repo is not None
        rec = repo.get_record(self.case_id)
        self.found = rec is not None and rec.type == "case"
        if rec is None:
            return
        self.values = dict(rec.body)
        meta = rec.hub_meta or {}
        self.flags = [str(f) for f in meta.get("flags") or []]
        self.timeline = self._timeline()

    def _timeline(self) -> list[TimelineItem]:
        repo = self.services.repo
        assert repo is not None
        items: list[TimelineItem] = []
        for rec in repo.list_records(case_id=self.case_id):
            if rec.type == "case":
                continue
            receipt = repo.get_receipt(rec.id) if rec.type in ("referral", "response") else None
            meta = rec.hub_meta or {}
            body = rec.body
            title = TYPE_LABELS.get(rec.type, rec.type)
            detail = ""
            if rec.type == "note":
                title = "Addendum" if body.get("addendum_to") else "Note"
                detail = str(body.get("text") or "")[:300]
            elif rec.type in ("form", "response"):
                detail = str(body.get("form_id") or "")
            elif rec.type == "referral":
                detail = str(body.get("summary") or body.get("form_id") or "")
            items.append(
                TimelineItem(
                    str(rec.id),
                    rec.type,
                    title,
                    detail,
                    sync_label(rec.state, receipt.hub_reference if receipt else None, meta.get("status")),
                    rec.created_at[:16].replace("T", " "),
                    str(body["addendum_to"]) if body.get("addendum_to") else None,
                    attested_author(meta),
                )
            )
        items.sort(key=lambda i: i.when, reverse=True)
        return items

    def set_value(self, name: str, value: Any) -> None:
        self.values[name] = value
        self.problems = check_demographics(self.values)
        self.saved_message = ""

    def save(self) -> bool:
        self.problems = check_demographics(self.values)
        if self.problems:
            self.saved_message = ""
            return False
        repo = self.services.repo
        assert repo is not None
        fields = normalised(
            {k: self.values.get(k) for k, _ in DEMOGRAPHICS}
            | {"nhs_number_not_known": self.values.get("nhs_number_not_known", False)}
        )
        repo.save_record("case", fields, record_id=self.case_id)
        self.services.changed()
        self.values.update(fields)
        self.saved_message = "Saved on this device."
        return True


def create_case(services: SavesRecords, values: dict[str, Any]) -> tuple[UUID | None, dict[str, str]]:
    """A new case from the new-case form. Returns its id, or None and the problems."""
    problems = check_demographics(values)
    if problems:
        return None, problems
    repo = services.repo
    assert repo is not None
    rec = repo.save_record("case", normalised(values))
    services.changed()
    return rec.id, {}
