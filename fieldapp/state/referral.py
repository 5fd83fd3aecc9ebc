"""Referral review and status: assemble from the submitted concern form, confirm consent and lawful basis, submit to
the outbox; later show the hub's receipt and status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from fieldapp.state.case import sync_label
from forms import (
    FormsError,
    Injury,
    LocalAuthority,
    ReferralError,
    SubmittedForm,
    build_referral,
    injuries,
    lawful_basis_from_answers,
    load_spec,
    referral_injuries,
    referral_issues,
    route,
)

if TYPE_CHECKING:
    from fieldapp.state.needs import ReadsRecords, SavesRecords


@dataclass
class ReferralReview:
    """Built from a submitted form record (``form_record_id``)."""

    services: SavesRecords
    form_record_id: UUID
    case_id: UUID | None = None
    case: dict[str, Any] = field(default_factory=dict)
    form: SubmittedForm | None = None
    issues: list[str] = field(default_factory=list)
    consent_confirmed: bool = False
    basis_confirmed: bool = False
    error: str = ""
    authority_choices: list[LocalAuthority] = field(default_factory=list)
    authority: LocalAuthority | None = None
    preview: str = ""

    def load(self) -> bool:
        repo = self.services.repo
        assert repo is not None
        rec = repo.get_record(self.form_record_id)
        if rec is None or rec.type != "form":
            return False
        self.case_id = rec.case_id
        case = repo.get_record(rec.case_id)
        self.case = dict(case.body) if case else {}
        self.form = SubmittedForm.model_validate({"record_id": str(rec.id), **rec.body})
        routing = route(self.case.get("postcode"))
        if routing.status != "routed":
            self.authority_choices = list(routing.candidates)
        self._check()
        return True

    def _check(self) -> None:
        assert self.form is not None
        found = referral_issues(case=self.case, forms=[self.form], local_authority=self.authority)
        self.issues = [i.message for i in found if i.severity == "error"]
        self.preview = ""
        if not self.issues:
            try:
                self.preview = build_referral(
                    case_id=str(self.case_id),
                    case=self.case,
                    forms=[self.form],
                    created_by="you",
                    created_at=datetime.now(UTC),
                    local_authority=self.authority,
                ).summary
            except ReferralError as exc:
                self.issues = [str(exc)]

    @property
    def injuries(self) -> list[Injury]:
        """The form's injuries with every mark, for the review's body map pictures."""
        if self.form is None:
            return []
        try:
            spec = load_spec(self.form.form_id, self.form.form_version)
        except FormsError:
            return []
        return injuries(spec, self.form.answers)

    def choose_authority(self, key: str) -> None:
        self.authority = next((a for a in self.authority_choices if a.key == key), None)
        self._check()

    @property
    def consent_text(self) -> str:
        a = self.form.answers if self.form else {}
        told = (
            "Parents or carers have been told." if a.get("parent_informed") else "Parents or carers have NOT been told."
        )
        consent = {
            "given": "Consent to share was given",
            "refused": "Consent was refused",
            "not_sought": "Consent was not sought",
        }.get(str(a.get("consent")), "Consent not recorded")
        return f"{told} {consent}."

    @property
    def basis_text(self) -> str:
        a = self.form.answers if self.form else {}
        try:
            basis = lawful_basis_from_answers(a)
        except ValueError:
            return "The lawful basis is not recorded on the form."
        text = f"UK GDPR Article {basis.article6}"
        if basis.article9:
            text += f"; health data Article {basis.article9}" + (
                f" with DPA 2018 {basis.dpa_2018}" if basis.dpa_2018 else ""
            )
        return text + "."

    def submit(self, created_by: str) -> UUID | None:
        if not (self.consent_confirmed and self.basis_confirmed):
            self.error = "Confirm the consent and the lawful basis before sending."
            return None
        if self.issues or self.form is None or self.case_id is None:
            self.error = "Fix the problems listed before sending."
            return None
        try:
            referral = build_referral(
                case_id=str(self.case_id),
                case=self.case,
                forms=[self.form],
                created_by=created_by or "field device",
                created_at=datetime.now(UTC),
                local_authority=self.authority,
            )
        except ReferralError as exc:
            self.error = str(exc)
            return None
        repo = self.services.repo
        assert repo is not None
        rec = repo.save_record("referral", referral.model_dump(mode="json"), case_id=self.case_id)
        repo.record_event("share", rec.id, "referral queued for the hub")
        self.services.changed()
        return UUID(str(rec.id))


@dataclass
class ReferralStatus:
    services: ReadsRecords
    record_id: UUID
    summary: str = ""
    sync: str = ""
    receipt_lines: list[str] = field(default_factory=list)
    hub_status: str = ""
    case_id: UUID | None = None
    content_hash: str = ""
    injuries: list[Injury] = field(default_factory=list)

    def load(self) -> bool:
        repo = self.services.repo
        assert repo is not None
        rec = repo.get_record(self.record_id)
        if rec is None or rec.type != "referral":
            return False
        self.case_id = rec.case_id
        self.summary = str(rec.body.get("summary") or "")
        self.content_hash = str(rec.body.get("content_hash") or "")
        self.injuries = referral_injuries(rec.body.get("document"))
        meta = rec.hub_meta or {}
        self.hub_status = str(meta.get("status") or "")
        receipt = repo.get_receipt(rec.id)
        self.sync = sync_label(rec.state, receipt.hub_reference if receipt else None, self.hub_status or None)
        self.receipt_lines = []
        if receipt is not None:
            self.receipt_lines = [
                f"Hub reference: {receipt.hub_reference}",
                f"Received: {receipt.received_at:%Y-%m-%d %H:%M} UTC"
                if hasattr(receipt.received_at, "strftime")
                else f"Received: {receipt.received_at}",
                f"Content hash: {receipt.content_hash}",
            ]
        return True
