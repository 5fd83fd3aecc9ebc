"""The database side of replication: batches out of the outbox, the hub's answers in, pulled pages with rebase.

Every method is one vault transaction. The rules (sync.md guarantees 2-6):

- A batch takes, in outbox order, the OLDEST row of each record whose oldest row is ``queued``; rows of one record
  go one at a time, because a later row is rebased on the version the hub gives the earlier one. Taking a batch
  increments ``attempts`` in its own transaction first: once attempted, a row's payload never changes again.
- An outbox row leaves only in the transaction that stores the hub's answer for it (results, pulled page, cursor and
  lease are one transaction).
- When the hub's state of a record moves (an answer or a pulled change), ``_advance`` merges the record's pending
  edits onto it with ``protocol.merge_fields``: disjoint fields stay pending (unsent rows are rebased on the new
  version), same-field clashes become one open conflict per record (base / mine / theirs) and hold the later rows.
  Fields under an open conflict belong to the conflict: no row carries them until the user resolves it.
- A rejected or forbidden mutation is held with the hub's reasons, together with the later rows of its record; the
  rest of the queue flows.
- A pulled page is searchable and audited (one entry per page) in the transaction that stores it.

The outbox and its outcome tables are written only through ``_outbox.Outbox``; the records table here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import JsonValue

from protocol import (
    APPEND_ONLY_TYPES,
    Change,
    FieldConflict,
    Issue,
    MutationResult,
    Outcome,
    Receipt,
    RecordType,
    SyncResponse,
    merge_fields,
)
from sync import _audit, _resolve, _search
from sync._credentials import CURSOR, LEASE_EXPIRES, meta_put
from sync._outbox import (
    _NO_HUB_META,
    ConflictView,
    Outbox,
    OutboxRow,
    RejectionView,
    VaultPort,
    _dumps,
    _first_id,
    _loads,
    _now,
    _Rec,
    in_chunks,
    load_record,
)
from sync._resolve import Choice

#: Called inside the transaction that stores a pulled page: (conn, (record id, change) for each record it changed,
#: ids of the records that are new).
PulledHook = Callable[[Any, list[tuple[str, Change]], set[str]], None]
_APPEND_ONLY: Final = frozenset(t.value for t in APPEND_ONLY_TYPES)


@dataclass(frozen=True, slots=True)
class RecordSync:
    """How a record stands with the hub: pending, sent (with the hub's receipt if it earns one), conflict, rejected."""

    state: Literal["pending", "sent", "conflict", "rejected"]
    receipt: Receipt | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    pending: int
    conflicts: int
    rejected: int


@dataclass(frozen=True, slots=True)
class Applied:
    """What storing one answer did, for status and tests."""

    acknowledged: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0


# A pulled page's new records, with one prepared statement for the page. (Cursors opened per row come from SQLite's
# lookaside pool, widened in ``_sqlcipher``, so they cost memory security no system calls; one INSERT ... SELECT over
# the page as a JSON array was faster before that, and is slower now: its large JSON buffers are locked and wiped.)
_INSERT_FRESH: Final = (
    "INSERT INTO records (id, type, case_id, body, server_body, server_version, state, hub_meta, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5, 'synced', ?6, ?7, ?7)"
)


def _insert_fresh(conn: Any, rows: list[tuple[str, str, str, str, int, str]], now: str) -> None:
    conn.executemany(_INSERT_FRESH, [(*row, now) for row in rows])


class Replica:
    """Replication state in the vault. Thread-safe as far as the vault's transactions are.

    ``on_pulled`` replaces what happens to a pulled page besides storing it (by default: search index and audit).
    """

    def __init__(self, vault: VaultPort, *, on_pulled: PulledHook | None = None) -> None:
        self._vault = vault
        self._on_pulled = on_pulled or index_and_audit

    # -- push ----------------------------------------------------------------------------------------------------

    def take_batch(self, max_count: int, max_bytes: int, *, skip: Iterable[str] = ()) -> list[OutboxRow]:
        """The next batch, in outbox order, with ``attempts`` incremented (committed before anything is sent)."""
        with self._vault.transaction() as conn:
            return Outbox(conn).take(max_count, max_bytes, set(skip))

    def refuse_locally(self, row: OutboxRow, code: str, message: str) -> None:
        """The hub refused a request holding only this mutation (too large, malformed): set it aside like a
        rejection, with the hub's words, so the rest of the queue flows."""
        with self._vault.transaction() as conn:
            outbox = Outbox(conn)
            if outbox.contains(row.mutation_id):
                outbox.hold(row, [Issue(path="", code=code, message=message[:500])], "rejected")

    # -- answers -------------------------------------------------------------------------------------------------

    def store_response(self, sent: list[OutboxRow], response: SyncResponse) -> Applied:
        """Store the hub's answers, the pulled page, the cursor and the lease, in one transaction."""
        by_id = {r.mutation_id: r for r in sent}
        acknowledged = conflicts = rejected = 0
        with self._vault.transaction() as conn:
            outbox = Outbox(conn)
            answered = [(by_id[str(r.mutation_id)], r) for r in response.results if str(r.mutation_id) in by_id]
            # (results for anything we did not send in this request are ignored rather than guessed at)
            fast = self._fast_acks(conn, outbox, answered)
            acknowledged += len(fast)
            for row, result in answered:
                if row.mutation_id in fast:
                    continue
                outcome = self._store_result(conn, outbox, row, result)
                acknowledged += outcome in (Outcome.APPLIED, Outcome.MERGED)
                conflicts += outcome == Outcome.CONFLICT
                rejected += outcome in (Outcome.REJECTED, Outcome.FORBIDDEN)
            if response.changes:
                self._store_changes(conn, outbox, response.changes)
            meta_put(conn, CURSOR, str(response.cursor))
            meta_put(conn, LEASE_EXPIRES, response.lease_expires_at.isoformat())
        return Applied(acknowledged, conflicts, rejected, len(response.changes))

    @staticmethod
    def _fast_acks(conn: Any, outbox: Outbox, answered: list[tuple[OutboxRow, MutationResult]]) -> set[str]:
        """The common answers in bulk: applied/merged rows whose record has nothing else pending or open. Each
        leaves the outbox and its record is marked synced with a handful of statements for the whole batch."""
        candidates = {
            row.record_id: (row, result)
            for row, result in answered
            if result.outcome in (Outcome.APPLIED, Outcome.MERGED) and result.receipt is None
        }
        if not candidates:
            return set()
        record_ids = list(candidates)
        busy = outbox.busy(record_ids)
        waiting = outbox.waiting([row.mutation_id for row, _ in candidates.values()])  # a replay finds its row gone
        current: dict[str, tuple[str | None, int, str]] = {}  # server_body, server_version, body
        for chunk, marks in in_chunks(record_ids):
            sql = f"SELECT id, server_body, server_version, body FROM records WHERE id IN ({marks})"  # noqa: S608
            for raw in conn.execute(sql, chunk).fetchall():
                current[str(raw[0])] = (raw[1], int(raw[2]), str(raw[3]))
        changed: list[tuple[Any, ...]] = []
        confirmed: list[tuple[Any, ...]] = []  # the hub holds exactly the local body: it stays, and so does updated_at
        done: list[str] = []
        now = _now()
        for record_id, (row, result) in candidates.items():
            if record_id in busy or record_id not in current or row.mutation_id not in waiting:
                continue
            server_text, server_version, body = current[record_id]
            if result.version < server_version:
                continue
            theirs = dict(result.fields) if result.fields is not None else {**_loads(server_text), **row.fields}
            text = _dumps(theirs)
            if theirs == _loads(body):
                confirmed.append((text, result.version, record_id))
            else:
                changed.append((text, text, result.version, now, record_id))
            done.append(row.mutation_id)
        if not done:
            return set()
        gone = outbox.complete(done, answered=True)
        conn.executemany(
            "UPDATE records SET server_body = ?, server_version = ?, state = 'synced' WHERE id = ?", confirmed
        )
        conn.executemany(
            "UPDATE records SET body = ?, server_body = ?, server_version = ?, state = 'synced', updated_at = ? "
            "WHERE id = ?",
            changed,
        )
        return gone

    def _store_result(self, conn: Any, outbox: Outbox, row: OutboxRow, result: MutationResult) -> Outcome | None:
        if not outbox.contains(row.mutation_id):
            return None  # answered before: a replayed answer changes nothing
        outcome = result.outcome
        if outcome in (Outcome.REJECTED, Outcome.FORBIDDEN):
            outbox.hold(row, result.issues, outcome.value)  # stays, held: its refusal is the answer stored
            return outcome
        outbox.complete([row.mutation_id], answered=True)
        rec = load_record(conn, row.record_id)
        if rec is None:  # the record was discarded locally meanwhile: the answer has nothing left to update
            return None
        if result.receipt is not None:
            outbox.store_receipt(row.record_id, result.receipt)
        if outcome in (Outcome.APPLIED, Outcome.MERGED):
            expected = {**rec.server_body, **row.fields}
            theirs = dict(result.fields) if result.fields is not None else expected
            if not self._fast_ack(conn, outbox, rec, theirs, result.version):
                self._advance(conn, outbox, rec, theirs, result.version, expected)
        else:
            known = outbox.resolved_fields(row.mutation_id)  # the user already chose for these: never resend
            outbox.carry_forward(row, {k: v for k, v in row.fields.items() if k not in known})
            theirs = dict(result.fields) if result.fields is not None else rec.server_body
            extra = [c for c in result.conflicts if c.field not in known]
            self._advance(conn, outbox, rec, theirs, result.version, rec.server_body, extra, row.mutation_id)
        return outcome

    @staticmethod
    def _fast_ack(conn: Any, outbox: Outbox, rec: _Rec, theirs: dict[str, JsonValue], version: int) -> bool:
        """The common answer: the record's last pending row acknowledged, nothing open. One statement instead of the
        general merge; returns False when the general path is needed."""
        if version < rec.server_version or not outbox.is_idle(rec.id):
            return False
        text = _dumps(theirs)
        conn.execute(
            "UPDATE records SET body = ?, server_body = ?, server_version = ?, state = 'synced', updated_at = ? "
            "WHERE id = ?",
            (text, text, version, _now(), rec.id),
        )
        return True

    def _store_changes(self, conn: Any, outbox: Outbox, changes: list[Change]) -> None:
        """A pulled page: new records are inserted in bulk; known ones go through ``_advance``."""
        known: dict[str, tuple[int, str | None]] = {}
        ids = [str(c.record_id) for c in changes]
        for chunk, marks in in_chunks(ids, 500):
            sql = f"SELECT id, server_version, hub_meta FROM records WHERE id IN ({marks})"  # noqa: S608 (only ?s)
            for raw in conn.execute(sql, chunk).fetchall():
                known[str(raw[0])] = (int(raw[1]), raw[2])
        now = _now()
        fresh: list[tuple[Any, ...]] = []
        touched: list[tuple[str, Change]] = []
        for record_id, change in zip(ids, changes, strict=True):
            hub_meta = change.hub.model_dump_json()
            if change.hub.receipt is not None:
                outbox.store_receipt(record_id, change.hub.receipt)
            if record_id not in known:
                fresh.append((record_id, change.record_type.value, str(change.case_id), _dumps(change.fields),
                              change.version, hub_meta))  # fmt: skip
                known[record_id] = (change.version, hub_meta)
                touched.append((record_id, change))
                continue
            version, old_meta = known[record_id]
            if old_meta != hub_meta and not (old_meta is None and change.hub == _NO_HUB_META):
                conn.execute("UPDATE records SET hub_meta = ? WHERE id = ?", (hub_meta, record_id))
            if change.version <= version:
                continue  # already held: typically our own mutation coming back
            rec = load_record(conn, record_id)
            assert rec is not None
            self._advance(conn, outbox, rec, dict(change.fields), change.version, rec.server_body)
            known[record_id] = (change.version, hub_meta)
            touched.append((record_id, change))
        if fresh:
            _insert_fresh(conn, fresh, now)
        if touched:
            self._on_pulled(conn, touched, {r[0] for r in fresh})

    def _advance(
        self,
        conn: Any,
        outbox: Outbox,
        rec: _Rec,
        theirs: dict[str, JsonValue],
        version: int,
        expected_base: dict[str, JsonValue],
        extra_conflicts: Iterable[FieldConflict] = (),
        mutation_id: str | None = None,
    ) -> None:
        """The hub's state of ``rec`` is now (theirs, version): merge the pending edits onto it (module docstring)."""
        if version < rec.server_version:  # an old answer replayed: we already know something newer
            theirs, version = rec.server_body, rec.server_version
        rows = outbox.rows(rec.id)
        mine: dict[str, JsonValue] = {}
        for row in rows:
            mine.update(row.fields)
        if rec.type in _APPEND_ONLY:
            apply = {k: v for k, v in mine.items() if theirs.get(k) != v}
            found: dict[str, FieldConflict] = {}
        else:
            merged = merge_fields(expected_base, mine, theirs)
            apply = dict(merged.apply)
            found = {c.field: c for c in merged.conflicts}
        for c in extra_conflicts:  # the hub's view of a clash; ours wins, since it holds the latest local edit
            if c.field in found:
                continue
            my_value = mine.get(c.field, c.mine)
            if theirs.get(c.field) != my_value:
                found[c.field] = c.model_copy(update={"mine": my_value})
                apply.pop(c.field, None)
        open_conflict = outbox.open_conflict(rec.id)
        if found:
            open_conflict = outbox.upsert_conflict(rec.id, version, found, mutation_id or _first_id(rows))
        owned = {c.field: c for c in open_conflict.fields} if open_conflict else {}
        state = "held" if (owned or outbox.has_open_rejection(rec.id)) else "queued"
        empty: list[str] = []
        for row in rows:
            if row.attempts > 0:
                continue  # payload frozen: the hub will merge it itself
            keep = {k: v for k, v in row.fields.items() if k in apply and k not in owned}
            if keep:
                outbox.rewrite(row.mutation_id, keep, version, state)
            else:
                empty.append(row.mutation_id)  # everything it carried is now the hub's, or the conflict's
        outbox.complete(empty)
        # a field under conflict shows the latest local value: an edit made since the clash, else what the body had
        held_back = {f: mine.get(f, rec.body.get(f, c.mine)) for f, c in owned.items()}
        body = {**theirs, **apply, **held_back}
        conn.execute(
            "UPDATE records SET body = ?, server_body = ?, server_version = ?, updated_at = ? WHERE id = ?",
            (_dumps(body), _dumps(theirs), version, _now(), rec.id),
        )
        outbox.settle(rec.id)

    # -- the user's side (sync._resolve) ------------------------------------------------------------------------

    def list_conflicts(self, record_id: str | None = None) -> list[ConflictView]:
        return _resolve.list_conflicts(self._vault, record_id)

    def resolve_conflict(self, conflict_id: int, choices: Mapping[str, Any]) -> list[Issue]:
        """Per field: ``Choice.MINE``, ``Choice.THEIRS`` or ``Choice.edited(value)``; see sync._resolve."""
        return _resolve.resolve_conflict(self._vault, conflict_id, choices)

    def list_rejections(self, record_id: str | None = None) -> list[RejectionView]:
        return _resolve.list_rejections(self._vault, record_id)

    def fix_rejection(self, rejection_id: int, corrections: Mapping[str, JsonValue]) -> list[Issue]:
        return _resolve.fix_rejection(self._vault, rejection_id, corrections)

    def discard_rejection(self, rejection_id: int) -> list[Issue]:
        return _resolve.discard_rejection(self._vault, rejection_id)

    # -- reading -------------------------------------------------------------------------------------------------

    def counts(self) -> Counts:
        with self._vault.transaction() as conn:
            return Counts(*Outbox(conn).counts())

    def queued_count(self) -> int:
        with self._vault.transaction() as conn:
            return Outbox(conn).queued_count()

    def record_sync(self, record_id: str) -> RecordSync | None:
        with self._vault.transaction() as conn:
            row = conn.execute("SELECT state FROM records WHERE id = ?", (record_id,)).fetchone()
            if row is None:
                return None
            receipt = Outbox(conn).receipt(record_id)
        state = {"synced": "sent", "conflict": "conflict", "rejected": "rejected"}.get(str(row[0]), "pending")
        return RecordSync(state=state, receipt=receipt)  # type: ignore[arg-type]


def index_and_audit(conn: Any, changes: list[tuple[str, Change]], new_ids: set[str]) -> None:
    """What a pulled page does besides being stored: every record searchable at once; one audit entry per page
    (receiving is not a user's action on a record; views, changes and shares are audited one by one by the
    repository). ``changes``: (record id, change) for each record the page changed."""
    fresh = [(rid, c.record_type.value, c.fields) for rid, c in changes if rid in new_ids]
    _search.index_new_records(conn, fresh)
    for rid, change in changes:
        if rid not in new_ids:
            _search.index_record(conn, rid, change.record_type.value, change.fields)
    _audit.append_audit(conn, "receive", None, f"{len(changes)} records from the hub")


__all__ = [
    "Applied",
    "Choice",
    "ConflictView",
    "Counts",
    "OutboxRow",
    "PulledHook",
    "RecordSync",
    "RecordType",
    "RejectionView",
    "Replica",
    "VaultPort",
    "index_and_audit",
]
