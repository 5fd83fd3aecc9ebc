"""The caseload screen's logic: instant search, filters, rows, and the sync indicator text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sync import ENROL_AGAIN_MESSAGE, SyncState, SyncStatus

if TYPE_CHECKING:
    from fieldapp.state.needs import ReadsRecords
    from sync import CaseSummary


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    title: str
    subtitle: str
    badges: tuple[str, ...]


def case_title(body: dict[str, object]) -> str:
    name = str(body.get("child_name") or "").strip()
    return name or "Unnamed child"


def to_row(summary: CaseSummary) -> CaseRow:
    body = summary.record.body
    parts = [str(body[k]) for k in ("date_of_birth", "postcode") if body.get(k)]
    badges: list[str] = []
    if summary.drafts:
        badges.append(f"{summary.drafts} draft{'s' if summary.drafts != 1 else ''}")
    if summary.pending:
        badges.append(f"{summary.pending} waiting to sync")
    if summary.conflicts:
        badges.append(f"{summary.conflicts} conflict{'s' if summary.conflicts != 1 else ''}")
    flags = (summary.record.hub_meta or {}).get("flags") or []
    if isinstance(flags, list):
        badges.extend(str(f) for f in flags)
    return CaseRow(str(summary.record.id), case_title(body), " · ".join(parts), tuple(badges))


def status_text(status: SyncStatus) -> tuple[str, str]:
    """(short label, longer sentence) for the offline / syncing / synced indicator. Never claims more than true."""
    waiting = f"{status.pending} waiting" if status.pending else ""
    if status.state is SyncState.SYNCING:
        p = status.progress
        done = f" {p.items_done}/{p.items_total}" if p.items_total else ""
        return f"Syncing{done}", "Sending and receiving changes with the hub."
    if status.state is SyncState.OFFLINE:
        label = "Offline" + (f" · {waiting}" if waiting else "")
        return label, status.last_error or "The hub cannot be reached. Your work is kept safely on this device."
    if status.state is SyncState.ENROL_AGAIN:
        # Not an error the user can wait out, and not a loss: the work stays; only a new enrolment sends it.
        return "Enrol again" + (f" · {waiting}" if waiting else ""), status.last_error or ENROL_AGAIN_MESSAGE
    if status.state is SyncState.ERROR:
        return "Sync problem" + (f" · {waiting}" if waiting else ""), status.last_error or "The last sync failed."
    if status.state in (SyncState.LOCKED, SyncState.REVOKED):
        return "No access", status.last_error or "This device's access to the hub has ended."
    if status.conflicts or status.rejected:
        parts = []
        if status.conflicts:
            parts.append(f"{status.conflicts} conflict{'s' if status.conflicts != 1 else ''}")
        if status.rejected:
            parts.append(f"{status.rejected} refused")
        return " · ".join(parts) + " to resolve", "Some changes need your decision before they can reach the hub."
    if status.pending:
        return f"{waiting} to sync", "Some work has not reached the hub yet."
    return "Synced", "Everything on this device has reached the hub."


def needs_enrolment(status: SyncStatus) -> bool:
    """The hub cancelled the sign-in: the screens offer the enrolment screen."""
    return status.state is SyncState.ENROL_AGAIN


def status_route(status: SyncStatus) -> str:
    """Where a tap on the sync indicator leads: enrolment when that is what is needed, else the sync screen."""
    return "/enrol" if needs_enrolment(status) else "/sync"


def matching_case_ids(services: ReadsRecords, query: str) -> set[str]:
    """Ids of the cases whose notes or details match ``query`` ("" matches nothing; the vault must be unlocked)."""
    repo = services.repo
    return set() if repo is None else repo.case_ids_matching(query)


#: The caseload shows this many rows at most; a search narrows it down.
MAX_ROWS = 200


@dataclass
class CaseloadState:
    services: ReadsRecords
    query: str = ""
    only_drafts: bool = False
    only_pending: bool = False
    only_conflicts: bool = False
    rows: list[CaseRow] = field(default_factory=list)
    _all: list[tuple[str, CaseRow]] | None = None
    _cases_by_doc: dict[int, str] = field(default_factory=dict)  # the search index's entries, read per refresh

    def refresh(self) -> list[CaseRow]:
        """Reload the cases from the vault (after a save or a sync), then apply the search."""
        repo = self.services.repo
        if repo is None:
            self._all = []
            self.rows = []
            return self.rows
        cases = repo.list_cases(
            "",
            has_drafts=True if self.only_drafts else None,
            pending=True if self.only_pending else None,
            conflicts=True if self.only_conflicts else None,
        )
        self._all = [(str(c.record.id), to_row(c)) for c in cases]
        self._cases_by_doc = repo.search_cases_by_doc()
        return self._apply()

    def _apply(self) -> list[CaseRow]:
        repo = self.services.repo
        if self.query.strip():
            # A keystroke runs only the full-text match; the entry -> case mapping is the one read at refresh.
            wanted = set() if repo is None else repo.case_ids_matching(self.query, self._cases_by_doc)
            self.rows = [row for cid, row in self._all or [] if cid in wanted]
        else:
            self.rows = [row for _, row in self._all or []]
        return self.rows

    def set_query(self, query: str) -> list[CaseRow]:
        """A keystroke: only the full-text query runs; the case list itself is the one loaded last."""
        self.query = query
        if self._all is None:
            return self.refresh()
        return self._apply()

    def set_filter(self, name: str, on: bool) -> list[CaseRow]:
        if name not in ("drafts", "pending", "conflicts"):
            raise ValueError(name)
        setattr(self, f"only_{name}", on)
        return self.refresh()

    @property
    def empty_message(self) -> str:
        if self.query or self.only_drafts or self.only_pending or self.only_conflicts:
            return "No cases match."
        return "No cases yet. Add a case, or sync to receive your caseload."
