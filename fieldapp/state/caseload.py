"""The caseload screen's logic: instant search, filters, rows, and the sync indicator text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sync._engine import ENROL_AGAIN_MESSAGE
from sync._search import match_expression
from sync._status import SyncState, SyncStatus

if TYPE_CHECKING:
    from fieldapp._services import Services
    from sync._repository import CaseSummary


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


def matching_docs(services: Services, query: str) -> set[int]:
    """Rowids of the full-text index entries matching ``query`` (prefix matching as the user types).

    Only rowids are read (no ranking, snippets or stored columns, which the caseload does not show), so a keystroke
    costs a few milliseconds over tens of thousands of notes.
    """
    vault = services.vault
    expr = match_expression(query)
    if vault is None or not vault.is_unlocked or expr is None:
        return set()
    with vault.read() as conn:
        return {int(r[0]) for r in conn.execute("SELECT rowid FROM search WHERE search MATCH ?", (expr,))}


def doc_cases(services: Services) -> dict[int, str]:
    """Index entry rowid -> case id (``search_map`` says which entry indexes which record), loaded once per refresh."""
    vault = services.vault
    if vault is None or not vault.is_unlocked:
        return {}
    with vault.read() as conn:
        rows = conn.execute("SELECT m.doc, r.case_id FROM search_map m JOIN records r ON r.id = m.record_id")
        return {int(doc): str(case_id) for doc, case_id in rows}


def matching_case_ids(services: Services, query: str) -> set[str]:
    mapping = doc_cases(services)
    return {mapping[d] for d in matching_docs(services, query) if d in mapping}


#: The caseload shows this many rows at most; a search narrows it down.
MAX_ROWS = 200


@dataclass
class CaseloadState:
    services: Services
    query: str = ""
    only_drafts: bool = False
    only_pending: bool = False
    only_conflicts: bool = False
    rows: list[CaseRow] = field(default_factory=list)
    _all: list[tuple[str, CaseRow]] | None = None
    _docs: dict[int, str] = field(default_factory=dict)

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
        self._docs = doc_cases(self.services)
        return self._apply()

    def _apply(self) -> list[CaseRow]:
        if self.query.strip():
            wanted = {self._docs[d] for d in matching_docs(self.services, self.query) if d in self._docs}
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
