"""The sync screen's logic: status in words and numbers, items waiting, rejected items with the hub's reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldapp.state.caseload import case_title, needs_enrolment, status_text
from sync import SyncState, SyncStatus

if TYPE_CHECKING:
    from fieldapp.state.needs import ShowsSync
    from sync import RejectionView

TYPE_WORDS = {
    "case": "Case details",
    "note": "Note",
    "form": "Form",
    "referral": "Referral",
    "response": "GP response",
    "person": "Person",
}


@dataclass(frozen=True)
class WaitingItem:
    record_id: str
    case_id: str
    what: str
    state: str  # pending | conflict | rejected


def human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return f"{n:.1f} GB"


@dataclass
class SyncScreenState:
    services: ShowsSync
    status: SyncStatus = field(default_factory=SyncStatus)
    waiting: list[WaitingItem] = field(default_factory=list)
    rejections: list[RejectionView] = field(default_factory=list)
    message: str = ""

    def load(self) -> None:
        self.status = self.services.last_status
        repo = self.services.repo
        replica = self.services.replica()
        if repo is None or replica is None:
            return
        titles = {str(r.id): case_title(r.body) for r in repo.list_records(record_type="case")}
        self.waiting = [
            WaitingItem(
                str(r.id),
                str(r.case_id),
                f"{TYPE_WORDS.get(r.type, r.type)} · {titles.get(str(r.case_id), '')}",
                r.state,
            )
            for r in repo.list_records()
            if r.state != "synced" and r.type != "info_request"
        ]
        self.rejections = replica.list_rejections()

    @property
    def headline(self) -> str:
        return status_text(self.status)[0]

    @property
    def explanation(self) -> str:
        return status_text(self.status)[1]

    @property
    def needs_enrolment(self) -> bool:
        """Show the "Enrol again" button: syncing cannot help until the device is enrolled again."""
        return needs_enrolment(self.status)

    @property
    def progress(self) -> float | None:
        """0..1 while syncing with a known total; None otherwise."""
        p = self.status.progress
        if self.status.state is SyncState.SYNCING and p.items_total:
            return min(1.0, p.items_done / p.items_total)
        return None

    @property
    def progress_text(self) -> str:
        """How far this run got, in words; "" when there is nothing to count (never "0 of 0 items")."""
        p = self.status.progress
        parts: list[str] = []
        if p.items_total:
            parts.append(f"{p.items_done} of {p.items_total} {'item' if p.items_total == 1 else 'items'}")
        if p.bytes_sent:
            parts.append(f"{human_bytes(p.bytes_sent)} sent")
        if p.bytes_received:
            parts.append(f"{human_bytes(p.bytes_received)} received")
        return " · ".join(parts)

    @property
    def has_conflicts(self) -> bool:
        """Offer "Resolve conflicts" only when something on this device is in conflict with the hub."""
        return self.status.conflicts > 0 or any(w.state == "conflict" for w in self.waiting)

    @property
    def rejections_heading(self) -> str:
        """The heading over the hub's refusals; "" when it refused nothing (no empty heading)."""
        n = len(self.rejections)
        if not n:
            return ""
        return "Refused by the hub" if n == 1 else f"Refused by the hub ({n})"

    @property
    def last_success_text(self) -> str:
        ls = self.status.last_success
        return f"Last complete sync: {ls:%Y-%m-%d %H:%M}" if ls else "Not synced yet"

    def sync_now(self) -> SyncStatus:
        status = self.services.sync_now()
        self.message = status.last_error or ""
        self.load()
        return status

    def fix(self, rejection_id: int, corrections: dict[str, Any]) -> str:
        replica = self.services.replica()
        if replica is None:
            return "Unlock the app first."
        issues = replica.fix_rejection(rejection_id, corrections)
        self.services.changed()
        self.load()
        return "; ".join(i.message for i in issues)

    def discard(self, rejection_id: int) -> str:
        replica = self.services.replica()
        if replica is None:
            return "Unlock the app first."
        issues = replica.discard_rejection(rejection_id)
        self.services.changed()
        self.load()
        return "; ".join(i.message for i in issues)
