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
    content_hash,
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
    hash_line: str = ""  # the one hash shown, explained ("" until the hub's receipt confirms it)
    next_steps: str = ""

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
        self.hash_line = ""
        if receipt is not None:
            received = (
                f"{receipt.received_at:%d %B %Y at %H:%M} UTC"
                if hasattr(receipt.received_at, "strftime")
                else str(receipt.received_at)
            )
            self.receipt_lines = [f"Hub reference: {receipt.hub_reference}", f"Received: {received.lstrip('0')}"]
            # One hash, explained: the hub's fingerprint of what it stored, checked against what this device sent.
            if receipt.content_hash:
                code = receipt.content_hash[:12]
                if receipt.content_hash == content_hash(dict(rec.body)):
                    self.hash_line = (
                        f"Check code {code}: the hub worked out the same code from what it stored as this device "
                        "did from what it sent, so the referral arrived complete and unchanged."
                    )
                else:
                    self.hash_line = (
                        f"Check code {code}: the hub's fingerprint of what it stored. It differs from this device's "
                        "copy: tell your safeguarding lead."
                    )
        self.next_steps = _next_steps(rec.state, receipt is not None, self.hub_status)
        return True


def _next_steps(state: str, received: bool, hub_status: str) -> str:
    """What happens next, in plain words, for the referral's place on its way to the MASH."""
    if state in ("conflict", "rejected"):
        return "The hub could not accept this referral yet. Open Sync to see why and put it right."
    if not received:
        return (
            "The referral is saved on this device and goes to the MASH at the next sync. If there is no signal, it "
            "waits here safely and is sent when the device is back online. If a child is in immediate danger, "
            "phone 999 now."
        )
    if hub_status:
        return (
            "The MASH has the referral and is working on it. Its screening officer may contact you for more "
            "information; you will see their progress here after each sync."
        )
    return (
        "The MASH has the referral. A screening officer will look at it and decide what happens next, usually "
        "within one working day; they may contact you for more information. Their progress shows here after each "
        "sync. If a child is in immediate danger, phone 999."
    )
