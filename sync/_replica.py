"""The database side of replication: batches out of the outbox, the hub's answers in, pulled pages with rebase.

Every method is one vault transaction. The rules (sync.md guarantees 2-6):

- A batch takes, in outbox order, the OLDEST row of each record whose oldest row is ``queued``; rows of one record
  go one at a time, because a later row is rebased on the version the hub gives the earlier one. Taking a batch
  increments ``attempts`` in its own transaction first: once attempted, a row's payload never changes again.
- An outbox row leaves only in the transaction that stores the hub's answer for it (results, pulled page, cursor and
  lease are one transaction).
- When the hub's state of a record moves (an answer or a pulled change), ``_advance`` merges the record's pending
  edits onto it with ``sync.merge.merge_fields``: disjoint fields stay pending (unsent rows are rebased on the new
  version), same-field clashes become one open conflict per record (base / mine / theirs) and hold the later rows.
  Fields under an open conflict belong to the conflict: no row carries them until the user resolves it.
- A rejected or forbidden mutation is held with the hub's reasons, together with the later rows of its record; the
  rest of the queue flows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import JsonValue, ValidationError

from sync import _resolve
from sync._credentials import CURSOR, LEASE_EXPIRES, meta_put
from sync._outbox import (
    _MUT_COLUMNS,
    _NO_HUB_META,
    ConflictView,
    OutboxRow,
    RejectionView,
    VaultPort,
    _carry_forward,
    _dumps,
    _fast_ack,
    _fast_acks,
    _first_id,
    _has_open,
    _load,
    _now,
    _open_conflict,
    _Rec,
    _reject_locally,
    _resolved_fields,
    _row,
    _rows,
    _set_state,
    _store_receipt,
    _upsert_conflict,
)
from sync._resolve import Choice
from sync.merge import merge_fields
from sync.protocol import (
    APPEND_ONLY_TYPES,
    Change,
    FieldConflict,
    Issue,
    MutationResult,
    Outcome,
    Receipt,
    RecordType,
    SyncResponse,
)

#: Called inside the transaction that stores a pulled page: (conn, changes stored, ids of the records that are new).
PulledHook = Callable[[Any, list[Change], set[str]], None]


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
    """Replication state in the vault. Thread-safe as far as the vault's transactions are."""

    def __init__(self, vault: VaultPort, *, on_pulled: PulledHook | None = None) -> None:
        self._vault = vault
        self._on_pulled = on_pulled

    # -- push ----------------------------------------------------------------------------------------------------

    def take_batch(self, max_count: int, max_bytes: int, *, skip: Iterable[str] = ()) -> list[OutboxRow]:
        """The next batch, in outbox order, with ``attempts`` incremented (committed before anything is sent)."""
        skipped = set(skip)
        batch: list[OutboxRow] = []
        size = 0
        with self._vault.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_MUT_COLUMNS} FROM outbox o WHERE o.state = 'queued' "  # noqa: S608 (constant columns)
                "AND o.seq = (SELECT MIN(seq) FROM outbox p WHERE p.record_id = o.record_id) "
                # a record with an open conflict or rejection waits for the user, whatever was saved since
                "AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.record_id = o.record_id AND c.resolved_at IS NULL) "
                "AND NOT EXISTS (SELECT 1 FROM rejections j WHERE j.record_id = o.record_id AND j.resolved_at IS NULL) "
                "ORDER BY o.seq LIMIT ?",
                (max_count + len(skipped),),
            ).fetchall()
            for raw in rows:
                row = _row(raw)
                if row.mutation_id in skipped:
                    continue
                try:
                    row.to_mutation()
                except ValidationError as exc:  # a row the hub would refuse anyway: set it aside for the user
                    _reject_locally(conn, row, exc)
                    continue
                if batch and (len(batch) >= max_count or size + row.size > max_bytes):
                    break
                batch.append(row)
                size += row.size
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1 WHERE mutation_id = ?", [(r.mutation_id,) for r in batch]
            )
        return batch

    def refuse_locally(self, row: OutboxRow, code: str, message: str) -> None:
        """The hub refused a request holding only this mutation (too large, malformed): set it aside like a
        rejection, with the hub's words, so the rest of the queue flows."""
        with self._vault.transaction() as conn:
            if conn.execute("SELECT 1 FROM outbox WHERE mutation_id = ?", (row.mutation_id,)).fetchone() is None:
                return
            issues = [Issue(path="", code=code, message=message[:500]).model_dump(mode="json")]
            conn.execute(
                "UPDATE outbox SET state = 'held', last_error = ? WHERE record_id = ? AND seq >= ?",
                (_dumps(issues), row.record_id, row.seq),
            )
            conn.execute(
                "INSERT INTO rejections (mutation_id, record_id, outcome, issues, created_at) "
                "VALUES (?, ?, 'rejected', ?, ?)",
                (row.mutation_id, row.record_id, _dumps(issues), _now()),
            )
            _set_state(conn, row.record_id)

    # -- answers -------------------------------------------------------------------------------------------------

    def store_response(self, sent: list[OutboxRow], response: SyncResponse) -> Applied:
        """Store the hub's answers, the pulled page, the cursor and the lease, in one transaction."""
        by_id = {r.mutation_id: r for r in sent}
        acknowledged = conflicts = rejected = 0
        with self._vault.transaction() as conn:
            answered = [(by_id[str(r.mutation_id)], r) for r in response.results if str(r.mutation_id) in by_id]
            # (results for anything we did not send in this request are ignored rather than guessed at)
            fast = _fast_acks(conn, answered)
            acknowledged += len(fast)
            for row, result in answered:
                if row.mutation_id in fast:
                    continue
                outcome = self._store_result(conn, row, result)
                acknowledged += outcome in (Outcome.APPLIED, Outcome.MERGED)
                conflicts += outcome == Outcome.CONFLICT
                rejected += outcome in (Outcome.REJECTED, Outcome.FORBIDDEN)
            if response.changes:
                self._store_changes(conn, response.changes)
            meta_put(conn, CURSOR, str(response.cursor))
            meta_put(conn, LEASE_EXPIRES, response.lease_expires_at.isoformat())
        return Applied(acknowledged, conflicts, rejected, len(response.changes))

    def _store_result(self, conn: Any, row: OutboxRow, result: MutationResult) -> Outcome | None:
        gone = conn.execute("DELETE FROM outbox WHERE mutation_id = ? RETURNING seq", (row.mutation_id,)).fetchall()
        if not gone:
            return None  # answered before: a replayed answer changes nothing
        outcome = result.outcome
        if outcome in (Outcome.REJECTED, Outcome.FORBIDDEN):
            self._store_refusal(conn, row, result)
            return outcome
        rec = _load(conn, row.record_id)
        if rec is None:  # the record was discarded locally meanwhile: the answer has nothing left to update
            return None
        if result.receipt is not None:
            _store_receipt(conn, row.record_id, result.receipt)
        if outcome in (Outcome.APPLIED, Outcome.MERGED):
            expected = {**rec.server_body, **row.fields}
            theirs = dict(result.fields) if result.fields is not None else expected
            if not _fast_ack(conn, rec, theirs, result.version):
                self._advance(conn, rec, theirs, result.version, expected)
        else:
            known = _resolved_fields(conn, row.mutation_id)  # the user already chose for these: never resend
            _carry_forward(conn, row, {k: v for k, v in row.fields.items() if k not in known})
            theirs = dict(result.fields) if result.fields is not None else rec.server_body
            extra = [c for c in result.conflicts if c.field not in known]
            self._advance(conn, rec, theirs, result.version, rec.server_body, extra, row.mutation_id)
        return outcome

    def _store_refusal(self, conn: Any, row: OutboxRow, result: MutationResult) -> None:
        """Rejected or forbidden: the row goes back, held with the hub's reasons, and holds the later rows."""
        issues = [i.model_dump(mode="json") for i in result.issues]
        conn.execute(
            "INSERT INTO outbox (seq, mutation_id, record_id, record_type, case_id, base_version, fields, state, "
            "attempts, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?)",
            (row.seq, row.mutation_id, row.record_id, row.record_type, row.case_id, row.base_version,
             _dumps(row.fields), row.attempts + 1, _dumps(issues)[:2000], _now()),
        )  # fmt: skip
        conn.execute("UPDATE outbox SET state = 'held' WHERE record_id = ? AND seq > ?", (row.record_id, row.seq))
        conn.execute(
            "INSERT INTO rejections (mutation_id, record_id, outcome, issues, created_at) VALUES (?, ?, ?, ?, ?)",
            (row.mutation_id, row.record_id, result.outcome.value, _dumps(issues), _now()),
        )
        _set_state(conn, row.record_id)

    def _store_changes(self, conn: Any, changes: list[Change]) -> None:
        """A pulled page: new records are inserted in bulk; known ones go through ``_advance``."""
        known: dict[str, tuple[int, str | None]] = {}
        ids = [str(c.record_id) for c in changes]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, server_version, hub_meta FROM records WHERE id IN ({marks})"  # noqa: S608 (only ?s)
            for raw in conn.execute(sql, chunk).fetchall():
                known[str(raw[0])] = (int(raw[1]), raw[2])
        now = _now()
        fresh: list[tuple[Any, ...]] = []
        touched: list[Change] = []
        for change in changes:
            record_id = str(change.record_id)
            hub_meta = change.hub.model_dump_json()
            if change.hub.receipt is not None:
                _store_receipt(conn, record_id, change.hub.receipt)
            if record_id not in known:
                fresh.append((record_id, change.record_type.value, str(change.case_id), _dumps(change.fields),
                              change.version, hub_meta))  # fmt: skip
                known[record_id] = (change.version, hub_meta)
                touched.append(change)
                continue
            version, old_meta = known[record_id]
            if old_meta != hub_meta and not (old_meta is None and change.hub == _NO_HUB_META):
                conn.execute("UPDATE records SET hub_meta = ? WHERE id = ?", (hub_meta, record_id))
            if change.version <= version:
                continue  # already held: typically our own mutation coming back
            rec = _load(conn, record_id)
            assert rec is not None
            self._advance(conn, rec, dict(change.fields), change.version, rec.server_body)
            known[record_id] = (change.version, hub_meta)
            touched.append(change)
        if fresh:
            _insert_fresh(conn, fresh, now)
        if self._on_pulled is not None and touched:
            self._on_pulled(conn, touched, {str(r[0]) for r in fresh})

    def _advance(
        self,
        conn: Any,
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
        rows = _rows(conn, rec.id)
        mine: dict[str, JsonValue] = {}
        for row in rows:
            mine.update(row.fields)
        if rec.type in {t.value for t in APPEND_ONLY_TYPES}:
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
        open_conflict = _open_conflict(conn, rec.id)
        if found:
            open_conflict = _upsert_conflict(conn, rec.id, version, found, mutation_id or _first_id(rows))
        owned = {c.field: c for c in open_conflict.fields} if open_conflict else {}
        rejected = _has_open(conn, "rejections", rec.id)
        for row in rows:
            if row.attempts > 0:
                continue  # payload frozen: the hub will merge it itself
            keep = {k: v for k, v in row.fields.items() if k in apply and k not in owned}
            if not keep:
                conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (row.mutation_id,))
                continue
            state = "held" if (owned or rejected) else "queued"
            conn.execute(
                "UPDATE outbox SET fields = ?, base_version = ?, state = ? WHERE mutation_id = ?",
                (_dumps(keep), version, state, row.mutation_id),
            )
        # a field under conflict shows the latest local value: an edit made since the clash, else what the body had
        held_back = {f: mine.get(f, rec.body.get(f, c.mine)) for f, c in owned.items()}
        body = {**theirs, **apply, **held_back}
        conn.execute(
            "UPDATE records SET body = ?, server_body = ?, server_version = ?, updated_at = ? WHERE id = ?",
            (_dumps(body), _dumps(theirs), version, _now(), rec.id),
        )
        _set_state(conn, rec.id)

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
            pending = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            conflicts = conn.execute("SELECT COUNT(*) FROM conflicts WHERE resolved_at IS NULL").fetchone()[0]
            rejected = conn.execute("SELECT COUNT(*) FROM rejections WHERE resolved_at IS NULL").fetchone()[0]
        return Counts(int(pending), int(conflicts), int(rejected))

    def queued_count(self) -> int:
        with self._vault.transaction() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'queued'").fetchone()[0])

    def record_sync(self, record_id: str) -> RecordSync | None:
        with self._vault.transaction() as conn:
            row = conn.execute("SELECT state FROM records WHERE id = ?", (record_id,)).fetchone()
            if row is None:
                return None
            receipt = conn.execute(
                "SELECT hub_reference, received_at, content_hash FROM receipts WHERE record_id = ?", (record_id,)
            ).fetchone()
        state = {"synced": "sent", "conflict": "conflict", "rejected": "rejected"}.get(str(row[0]), "pending")
        found = (
            Receipt(hub_reference=receipt[0], received_at=datetime.fromisoformat(receipt[1]), content_hash=receipt[2])
            if receipt
            else None
        )
        return RecordSync(state=state, receipt=found)  # type: ignore[arg-type]


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
]
