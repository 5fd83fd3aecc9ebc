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

import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, Protocol

from pydantic import JsonValue, ValidationError
from uuid6 import uuid7

from sync._credentials import CURSOR, LEASE_EXPIRES, meta_put
from sync.merge import merge_fields
from sync.protocol import (
    APPEND_ONLY_TYPES,
    Change,
    FieldConflict,
    HubMeta,
    Issue,
    Mutation,
    MutationResult,
    Outcome,
    Receipt,
    RecordType,
    SyncResponse,
)

_ROW_OVERHEAD_BYTES: Final = 260  # JSON keys and ids around each mutation's fields
_MUT_COLUMNS: Final = "seq, mutation_id, record_id, record_type, case_id, base_version, fields, attempts, state"


class VaultPort(Protocol):
    """What the replica needs from the vault: transactions on a DB-API connection."""

    def transaction(self) -> AbstractContextManager[Any]: ...


#: Called inside the transaction that stores a pulled page: (conn, changes stored, ids of the records that are new).
PulledHook = Callable[[Any, list[Change], set[str]], None]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    mutation_id: str
    record_id: str
    record_type: str
    case_id: str
    base_version: int
    fields: dict[str, JsonValue]
    attempts: int
    state: str

    @property
    def size(self) -> int:
        return len(json.dumps(self.fields, separators=(",", ":"))) + _ROW_OVERHEAD_BYTES

    def to_mutation(self) -> Mutation:
        return Mutation.model_validate(
            {
                "mutation_id": self.mutation_id,
                "record_id": self.record_id,
                "record_type": self.record_type,
                "case_id": self.case_id,
                "base_version": self.base_version,
                "fields": self.fields,
            }
        )


@dataclass(frozen=True, slots=True)
class ConflictView:
    id: int
    record_id: str
    server_version: int
    fields: tuple[FieldConflict, ...]


@dataclass(frozen=True, slots=True)
class RejectionView:
    id: int
    record_id: str
    mutation_id: str
    outcome: str
    issues: tuple[Issue, ...]
    fields: dict[str, JsonValue]


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


class Choice:
    """Conflict choices: "mine", "theirs", or ``Choice.edited(value)`` (any other value also counts as edited)."""

    MINE: Final = "mine"
    THEIRS: Final = "theirs"

    @dataclass(frozen=True, slots=True)
    class Edited:
        value: JsonValue

    @staticmethod
    def edited(value: JsonValue) -> Choice.Edited:
        return Choice.Edited(value)


@dataclass(frozen=True, slots=True)
class _Rec:
    id: str
    type: str
    case_id: str
    body: dict[str, JsonValue]
    server_body: dict[str, JsonValue]
    server_version: int
    state: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _loads(text: str | None) -> dict[str, JsonValue]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


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
                body = _dumps(change.fields)
                fresh.append((record_id, change.record_type.value, str(change.case_id), body, body, change.version,
                              hub_meta, now, now))  # fmt: skip
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
            conn.executemany(
                "INSERT INTO records (id, type, case_id, body, server_body, server_version, state, hub_meta, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'synced', ?, ?, ?)",
                fresh,
            )
        if self._on_pulled is not None and touched:
            self._on_pulled(conn, touched, {r[0] for r in fresh})

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

    # -- the user's side: conflicts and rejections ---------------------------------------------------------------

    def list_conflicts(self, record_id: str | None = None) -> list[ConflictView]:
        """Open conflicts as the user must see them: each field's ``mine`` is the latest local value (they may have
        edited it since) and ``theirs`` the hub's latest (it may have moved on since the clash was found)."""
        with self._vault.transaction() as conn:
            sql = "SELECT id, record_id, server_version, fields FROM conflicts WHERE resolved_at IS NULL"
            params: tuple[Any, ...] = ()
            if record_id is not None:
                sql += " AND record_id = ?"
                params = (record_id,)
            views = [_conflict_view(r) for r in conn.execute(sql + " ORDER BY id", params).fetchall()]
            out: list[ConflictView] = []
            for view in views:
                rec = _load(conn, view.record_id)
                body = rec.body if rec else {}
                hub = rec.server_body if rec else {}
                fields = tuple(
                    c.model_copy(update={"mine": body.get(c.field, c.mine), "theirs": hub.get(c.field, c.theirs)})
                    for c in view.fields
                )
                out.append(ConflictView(view.id, view.record_id, view.server_version, fields))
        return out

    def resolve_conflict(self, conflict_id: int, choices: Mapping[str, Any]) -> list[Issue]:
        """Apply the user's per-field choices as a new mutation on the current version. Returns issues, never raises
        for bad input: an unknown or resolved conflict, or a field left without a choice."""
        with self._vault.transaction() as conn:
            raw = conn.execute(
                "SELECT id, record_id, server_version, fields FROM conflicts WHERE id = ? AND resolved_at IS NULL",
                (conflict_id,),
            ).fetchone()
            if raw is None:
                return [Issue(path="conflict", code="not_found", message="This conflict is already resolved.")]
            view = _conflict_view(raw)
            missing = [c.field for c in view.fields if c.field not in choices]
            if missing:
                return [
                    Issue(path=f, code="choice_missing", message="Choose mine, theirs or an edited value.")
                    for f in missing
                ]
            rec = _load(conn, view.record_id)
            if rec is None:
                return [Issue(path="record", code="not_found", message="The record no longer exists.")]
            values: dict[str, JsonValue] = {}
            for c in view.fields:
                choice = choices[c.field]
                if isinstance(choice, Choice.Edited):
                    values[c.field] = choice.value
                elif choice == Choice.MINE:
                    values[c.field] = rec.body.get(c.field, c.mine)  # the latest local value (edited since?)
                elif choice == Choice.THEIRS:
                    values[c.field] = rec.server_body.get(c.field)
                else:
                    values[c.field] = choice
            conn.execute("UPDATE conflicts SET resolved_at = ? WHERE id = ?", (_now(), conflict_id))
            _strip_fields(conn, rec.id, set(values))  # the decision travels alone, in the new row
            changed = {f: v for f, v in values.items() if rec.server_body.get(f) != v}
            rejected = _has_open(conn, "rejections", rec.id)
            if not rejected:
                conn.execute(
                    "UPDATE outbox SET state = 'queued' WHERE record_id = ? AND state = 'held' AND attempts = 0",
                    (rec.id,),
                )
            if changed:
                _insert_row(conn, rec, changed, rec.server_version, "held" if rejected else "queued")
            body = {**rec.body, **values}
            conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
            _set_state(conn, rec.id)
        return []

    def list_rejections(self, record_id: str | None = None) -> list[RejectionView]:
        with self._vault.transaction() as conn:
            sql = (
                "SELECT r.id, r.record_id, r.mutation_id, r.outcome, r.issues, o.fields FROM rejections r "
                "LEFT JOIN outbox o ON o.mutation_id = r.mutation_id WHERE r.resolved_at IS NULL"
            )
            params: tuple[Any, ...] = ()
            if record_id is not None:
                sql += " AND r.record_id = ?"
                params = (record_id,)
            rows = conn.execute(sql + " ORDER BY r.id", params).fetchall()
        return [
            RejectionView(
                id=int(r[0]),
                record_id=str(r[1]),
                mutation_id=str(r[2]),
                outcome=str(r[3]),
                issues=tuple(Issue.model_validate(i) for i in json.loads(r[4])),
                fields=_loads(r[5]),
            )
            for r in rows
        ]

    def fix_rejection(self, rejection_id: int, corrections: Mapping[str, JsonValue]) -> list[Issue]:
        """Send the rejected edit again with the user's corrections, as a new mutation (the later held edits of the
        record are folded into it, since they were made on top of it)."""
        with self._vault.transaction() as conn:
            found = _open_rejection(conn, rejection_id)
            if found is None:
                return [Issue(path="rejection", code="not_found", message="This item is already dealt with.")]
            rec, held = found
            owned = {c.field for c in (_open_conflict(conn, rec.id) or _NO_CONFLICT).fields}
            fields: dict[str, JsonValue] = {}
            for row in held:
                fields.update(row.fields)
                conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (row.mutation_id,))
            fields.update(corrections)
            fields = {k: v for k, v in fields.items() if k not in owned}
            conn.execute("UPDATE rejections SET resolved_at = ? WHERE id = ?", (_now(), rejection_id))
            still_rejected = _has_open(conn, "rejections", rec.id)
            if fields:
                state = "held" if still_rejected or owned else "queued"
                _insert_row(conn, rec, fields, rec.server_version, state)
            body = {**rec.body, **dict(corrections)}
            conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
            _set_state(conn, rec.id)
        return []

    def discard_rejection(self, rejection_id: int) -> list[Issue]:
        """Drop the rejected edit. A rejected create takes the whole local record with it (the hub never had it);
        otherwise the later held edits of the record are released."""
        with self._vault.transaction() as conn:
            found = _open_rejection(conn, rejection_id)
            if found is None:
                return [Issue(path="rejection", code="not_found", message="This item is already dealt with.")]
            rec, held = found
            conn.execute("UPDATE rejections SET resolved_at = ? WHERE id = ?", (_now(), rejection_id))
            if rec.server_version == 0:
                conn.execute("DELETE FROM outbox WHERE record_id = ?", (rec.id,))
                conn.execute("DELETE FROM records WHERE id = ?", (rec.id,))
                conn.execute("UPDATE rejections SET resolved_at = ? WHERE record_id = ?", (_now(), rec.id))
                return []
            conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (held[0].mutation_id,))
            pending: dict[str, JsonValue] = {}
            for row in held[1:]:
                pending.update(row.fields)
            if not _has_open(conn, "rejections", rec.id) and _open_conflict(conn, rec.id) is None:
                conn.execute(
                    "UPDATE outbox SET state = 'queued', base_version = ? WHERE record_id = ? AND attempts = 0",
                    (rec.server_version, rec.id),
                )
            body = {**rec.server_body, **pending}
            conn.execute("UPDATE records SET body = ?, updated_at = ? WHERE id = ?", (_dumps(body), _now(), rec.id))
            _set_state(conn, rec.id)
        return []

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


# -- helpers (all run inside the caller's transaction) -------------------------------------------------------------

_NO_HUB_META: Final = HubMeta()
_NO_CONFLICT: Final = ConflictView(id=0, record_id="", server_version=0, fields=())


def _row(raw: Any) -> OutboxRow:
    return OutboxRow(
        seq=int(raw[0]),
        mutation_id=str(raw[1]),
        record_id=str(raw[2]),
        record_type=str(raw[3]),
        case_id=str(raw[4]),
        base_version=int(raw[5]),
        fields=_loads(raw[6]),
        attempts=int(raw[7]),
        state=str(raw[8]),
    )


def _rows(conn: Any, record_id: str) -> list[OutboxRow]:
    sql = f"SELECT {_MUT_COLUMNS} FROM outbox WHERE record_id = ? ORDER BY seq"  # noqa: S608 (constant columns)
    return [_row(r) for r in conn.execute(sql, (record_id,)).fetchall()]


def _first_id(rows: list[OutboxRow]) -> str | None:
    return rows[0].mutation_id if rows else None


def _load(conn: Any, record_id: str) -> _Rec | None:
    raw = conn.execute(
        "SELECT id, type, case_id, body, server_body, server_version, state FROM records WHERE id = ?", (record_id,)
    ).fetchone()
    if raw is None:
        return None
    return _Rec(
        id=str(raw[0]),
        type=str(raw[1]),
        case_id=str(raw[2]),
        body=_loads(raw[3]),
        server_body=_loads(raw[4]),
        server_version=int(raw[5]),
        state=str(raw[6]),
    )


def _insert_row(conn: Any, rec: _Rec, fields: Mapping[str, JsonValue], base_version: int, state: str) -> str:
    mutation_id = str(uuid7())
    conn.execute(
        "INSERT INTO outbox (mutation_id, record_id, record_type, case_id, base_version, fields, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (mutation_id, rec.id, rec.type, rec.case_id, base_version, _dumps(dict(fields)), state, _now()),
    )
    return mutation_id


def _carry_forward(conn: Any, answered: OutboxRow, carried: dict[str, JsonValue]) -> None:
    """A conflicting mutation stored nothing at the hub: its fields go on with the next unsent row of the record
    (made on top of it), or in a fresh row; ``_advance`` then keeps only what still needs sending."""
    if not carried:
        return
    rows = _rows(conn, answered.record_id)
    if rows and rows[0].attempts == 0:
        fields = {**carried, **rows[0].fields}
        conn.execute("UPDATE outbox SET fields = ? WHERE mutation_id = ?", (_dumps(fields), rows[0].mutation_id))
        return
    mutation_id = str(uuid7())
    conn.execute(
        "INSERT INTO outbox (mutation_id, record_id, record_type, case_id, base_version, fields, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)",
        (mutation_id, answered.record_id, answered.record_type, answered.case_id, answered.base_version,
         _dumps(carried), _now()),
    )  # fmt: skip


def _strip_fields(conn: Any, record_id: str, names: set[str]) -> None:
    """Remove ``names`` from the record's unsent rows (dropping rows left empty)."""
    for row in _rows(conn, record_id):
        if row.attempts > 0 or not names & row.fields.keys():
            continue
        keep = {k: v for k, v in row.fields.items() if k not in names}
        if keep:
            conn.execute("UPDATE outbox SET fields = ? WHERE mutation_id = ?", (_dumps(keep), row.mutation_id))
        else:
            conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (row.mutation_id,))


def _has_open(conn: Any, table: Literal["rejections", "conflicts"], record_id: str) -> bool:
    sql = f"SELECT 1 FROM {table} WHERE record_id = ? AND resolved_at IS NULL LIMIT 1"  # noqa: S608 (fixed names)
    return conn.execute(sql, (record_id,)).fetchone() is not None


def _conflict_view(raw: Any) -> ConflictView:
    return ConflictView(
        id=int(raw[0]),
        record_id=str(raw[1]),
        server_version=int(raw[2]),
        fields=tuple(FieldConflict.model_validate(f) for f in json.loads(raw[3])),
    )


def _open_conflict(conn: Any, record_id: str) -> ConflictView | None:
    raw = conn.execute(
        "SELECT id, record_id, server_version, fields FROM conflicts WHERE record_id = ? AND resolved_at IS NULL "
        "ORDER BY id LIMIT 1",
        (record_id,),
    ).fetchone()
    return None if raw is None else _conflict_view(raw)


def _resolved_fields(conn: Any, mutation_id: str) -> set[str]:
    """Fields of conflicts already raised for this mutation and settled by the user: not to be raised again."""
    names: set[str] = set()
    for (fields,) in conn.execute(
        "SELECT fields FROM conflicts WHERE mutation_id = ? AND resolved_at IS NOT NULL", (mutation_id,)
    ).fetchall():
        names.update(str(f["field"]) for f in json.loads(fields))
    return names


def _upsert_conflict(
    conn: Any, record_id: str, version: int, found: Mapping[str, FieldConflict], mutation_id: str | None
) -> ConflictView:
    """One open conflict per record: new clashes join it (a later clash on the same field replaces the earlier)."""
    current = _open_conflict(conn, record_id)
    if current is None:
        fields = list(found.values())
        cur = conn.execute(
            "INSERT INTO conflicts (record_id, mutation_id, server_version, fields, created_at) VALUES (?, ?, ?, ?, ?)",
            (record_id, mutation_id, version, _dumps([f.model_dump(mode="json") for f in fields]), _now()),
        )
        return ConflictView(id=int(cur.lastrowid), record_id=record_id, server_version=version, fields=tuple(fields))
    merged = {c.field: c for c in current.fields}
    for name, clash in found.items():
        earlier = merged.get(name)
        # keep the original base: it is what the user last saw before either side changed the field
        merged[name] = clash if earlier is None else clash.model_copy(update={"base": earlier.base})
    fields = list(merged.values())
    conn.execute(
        "UPDATE conflicts SET fields = ?, server_version = ? WHERE id = ?",
        (_dumps([f.model_dump(mode="json") for f in fields]), version, current.id),
    )
    return ConflictView(id=current.id, record_id=record_id, server_version=version, fields=tuple(fields))


def _open_rejection(conn: Any, rejection_id: int) -> tuple[_Rec, list[OutboxRow]] | None:
    raw = conn.execute(
        "SELECT record_id, mutation_id FROM rejections WHERE id = ? AND resolved_at IS NULL", (rejection_id,)
    ).fetchone()
    if raw is None:
        return None
    rec = _load(conn, str(raw[0]))
    if rec is None:
        return None
    rows = _rows(conn, rec.id)
    start = next((i for i, r in enumerate(rows) if r.mutation_id == str(raw[1])), None)
    held = rows[start:] if start is not None else []
    if not held:
        return None
    return rec, held


def _reject_locally(conn: Any, row: OutboxRow, exc: ValidationError) -> None:
    issues = [
        Issue(path=".".join(str(p) for p in e["loc"]), code="invalid", message=e["msg"]).model_dump(mode="json")
        for e in exc.errors()[:20]
    ]
    conn.execute(
        "UPDATE outbox SET state = 'held', last_error = ? WHERE record_id = ? AND seq >= ?",
        (_dumps(issues)[:2000], row.record_id, row.seq),
    )
    conn.execute(
        "INSERT INTO rejections (mutation_id, record_id, outcome, issues, created_at) VALUES (?, ?, 'rejected', ?, ?)",
        (row.mutation_id, row.record_id, _dumps(issues), _now()),
    )
    _set_state(conn, row.record_id)


def _store_receipt(conn: Any, record_id: str, receipt: Receipt) -> None:
    conn.execute(
        "INSERT INTO receipts (record_id, hub_reference, received_at, content_hash) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (record_id) DO UPDATE SET hub_reference = excluded.hub_reference, "
        "received_at = excluded.received_at, content_hash = excluded.content_hash",
        (record_id, receipt.hub_reference, receipt.received_at.isoformat(), receipt.content_hash),
    )


_BUSY_SQL: Final = (  # records that have another outbox row, an open conflict or an open rejection
    "SELECT record_id FROM outbox WHERE record_id IN ({marks}) GROUP BY record_id HAVING COUNT(*) > 1 "
    "UNION SELECT record_id FROM conflicts WHERE resolved_at IS NULL AND record_id IN ({marks}) "
    "UNION SELECT record_id FROM rejections WHERE resolved_at IS NULL AND record_id IN ({marks})"
)


def _in_chunks(values: list[str], size: int = 400) -> Iterable[tuple[list[str], str]]:
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


def _fast_acks(conn: Any, answered: list[tuple[OutboxRow, MutationResult]]) -> set[str]:
    """The common answers in bulk: applied/merged rows whose record has nothing else pending or open. Each is
    deleted and its record marked synced with a handful of statements for the whole batch. Returns their ids."""
    candidates = {
        row.record_id: (row, result)
        for row, result in answered
        if result.outcome in (Outcome.APPLIED, Outcome.MERGED) and result.receipt is None
    }
    if not candidates:
        return set()
    record_ids = list(candidates)
    busy: set[str] = set()
    current: dict[str, tuple[dict[str, JsonValue], int]] = {}
    waiting: set[str] = set()  # rows still in the outbox (a replayed answer finds its row gone)
    mutation_ids = [row.mutation_id for row, _ in candidates.values()]
    for chunk, marks in _in_chunks(mutation_ids):
        sql = f"SELECT mutation_id FROM outbox WHERE mutation_id IN ({marks})"  # noqa: S608
        waiting.update(str(r[0]) for r in conn.execute(sql, chunk).fetchall())
    for chunk, marks in _in_chunks(record_ids):
        sql = _BUSY_SQL.format(marks=marks)
        busy.update(str(r[0]) for r in conn.execute(sql, chunk * 3).fetchall())
        sql = f"SELECT id, server_body, server_version FROM records WHERE id IN ({marks})"  # noqa: S608
        for raw in conn.execute(sql, chunk).fetchall():
            current[str(raw[0])] = (_loads(raw[1]), int(raw[2]))
    updates: list[tuple[Any, ...]] = []
    deletes: list[tuple[str]] = []
    now = _now()
    for record_id, (row, result) in candidates.items():
        if record_id in busy or record_id not in current or row.mutation_id not in waiting:
            continue
        server_body, server_version = current[record_id]
        if result.version < server_version:
            continue
        theirs = dict(result.fields) if result.fields is not None else {**server_body, **row.fields}
        text = _dumps(theirs)
        updates.append((text, text, result.version, now, record_id))
        deletes.append((row.mutation_id,))
    if not deletes:
        return set()
    conn.executemany("DELETE FROM outbox WHERE mutation_id = ?", deletes)
    conn.executemany(
        "UPDATE records SET body = ?, server_body = ?, server_version = ?, state = 'synced', updated_at = ? "
        "WHERE id = ?",
        updates,
    )
    return {d[0] for d in deletes}


def _fast_ack(conn: Any, rec: _Rec, theirs: dict[str, JsonValue], version: int) -> bool:
    """The common answer: the record's last pending row acknowledged, nothing open. One statement instead of the
    general merge; returns False when the general path is needed."""
    if version < rec.server_version:
        return False
    busy = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1) "
        "OR EXISTS (SELECT 1 FROM conflicts WHERE record_id = ?1 AND resolved_at IS NULL) "
        "OR EXISTS (SELECT 1 FROM rejections WHERE record_id = ?1 AND resolved_at IS NULL)",
        (rec.id,),
    ).fetchone()[0]
    if busy:
        return False
    text = _dumps(theirs)
    conn.execute(
        "UPDATE records SET body = ?, server_body = ?, server_version = ?, state = 'synced', updated_at = ? "
        "WHERE id = ?",
        (text, text, version, _now(), rec.id),
    )
    return True


def _set_state(conn: Any, record_id: str) -> None:
    if _has_open(conn, "rejections", record_id):
        state = "rejected"
    elif _has_open(conn, "conflicts", record_id):
        state = "conflict"
    elif conn.execute("SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1", (record_id,)).fetchone() is not None:
        state = "pending"
    else:
        state = "synced"
    conn.execute("UPDATE records SET state = ? WHERE id = ?", (state, record_id))


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
