"""The outbox and the tables that hold its outcomes (conflicts, rejections, receipts): ``Outbox`` is the ONLY code
that writes SQL against them.

An ``Outbox`` is bound to one open transaction (``Outbox(conn)``) and never commits. Rows come in with ``add`` /
``add_many`` / ``add_change`` (with the local write, in its transaction), go out to the hub with ``take`` (which
freezes their payload: ``attempts`` > 0), and leave through ONE method, ``complete``, as PowerSync's
``CrudBatch.complete()``: called by the replica in the transaction that stores the hub's answer (an answered row; a
row left empty when pending edits are rebased on the hub's state), and by ``_resolve`` when the user's decision
supersedes unsent or refused rows. A row the hub has not answered yet (sent, no answer stored) is never completed:
``complete`` refuses it unless the caller says the hub answered it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from pydantic import JsonValue, ValidationError

from protocol import (
    FieldConflict,
    HubMeta,
    Issue,
    Mutation,
    Receipt,
)
from sync import _json
from sync._ids import new_id_strings

_ROW_OVERHEAD_BYTES: Final = 260  # JSON keys and ids around each mutation's fields
_MUT_COLUMNS: Final = "seq, mutation_id, record_id, record_type, case_id, base_version, fields, attempts, state"


class VaultPort(Protocol):
    """What the replica needs from the vault: transactions on a DB-API connection."""

    def transaction(self) -> AbstractContextManager[Any]: ...


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
    # The stored JSON's length, and the mutation once validated: each batch row needs both, twice or more.
    fields_bytes: int | None = field(default=None, compare=False, repr=False)
    mutation: Mutation | None = field(default=None, compare=False, repr=False)

    @property
    def size(self) -> int:
        n = self.fields_bytes
        if n is None:
            n = len(json.dumps(self.fields, separators=(",", ":")))
        return n + _ROW_OVERHEAD_BYTES

    def to_mutation(self) -> Mutation:
        if self.mutation is not None:
            return self.mutation
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
    value = _json.loads(text)
    return value if isinstance(value, dict) else {}


def _dumps(value: Any) -> str:
    return _json.dumps(value, sort_keys=True)


_NO_HUB_META: Final = HubMeta()
_NO_CONFLICT: Final = ConflictView(id=0, record_id="", server_version=0, fields=())
_SELECT_ROWS: Final = f"SELECT {_MUT_COLUMNS} FROM outbox"  # noqa: S608 (constant columns)
_INSERT_ROW: Final = (
    "INSERT INTO outbox (mutation_id, record_id, record_type, case_id, base_version, fields, state, attempts, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"
)
_BUSY_SQL: Final = (  # records that have another outbox row, an open conflict or an open rejection
    "SELECT record_id FROM outbox WHERE record_id IN ({marks}) GROUP BY record_id HAVING COUNT(*) > 1 "
    "UNION SELECT record_id FROM conflicts WHERE resolved_at IS NULL AND record_id IN ({marks}) "
    "UNION SELECT record_id FROM rejections WHERE resolved_at IS NULL AND record_id IN ({marks})"
)
_TAKE_SQL: Final = (
    f"{_SELECT_ROWS} o WHERE o.state = 'queued' "  # noqa: S608 (constant columns)
    "AND o.seq = (SELECT MIN(seq) FROM outbox p WHERE p.record_id = o.record_id) "
    # a record with an open conflict or rejection waits for the user, whatever was saved since
    "AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.record_id = o.record_id AND c.resolved_at IS NULL) "
    "AND NOT EXISTS (SELECT 1 FROM rejections j WHERE j.record_id = o.record_id AND j.resolved_at IS NULL) "
    "ORDER BY o.seq LIMIT ?"
)


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
        fields_bytes=len((raw[6] or "").encode()),  # UTF-8, as the request carries it
    )


def _first_id(rows: list[OutboxRow]) -> str | None:
    return rows[0].mutation_id if rows else None


def load_record(conn: Any, record_id: str) -> _Rec | None:
    """A record as replication sees it (reads only: the records table is the repository's and the replica's)."""
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


def _conflict_view(raw: Any) -> ConflictView:
    return ConflictView(
        id=int(raw[0]),
        record_id=str(raw[1]),
        server_version=int(raw[2]),
        fields=tuple(FieldConflict.model_validate(f) for f in json.loads(raw[3])),
    )


def in_chunks(values: list[str], size: int = 400) -> Iterable[tuple[list[str], str]]:
    """``values`` in chunks small enough for SQLite's bound-parameter limit, each with its ``?, ?, ...``."""
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


def _issues_json(issues: Iterable[Issue]) -> str:
    return _dumps([i.model_dump(mode="json") for i in issues])


class OutboxError(Exception):
    """A caller tried to complete a row the hub has been sent but has not answered (a bug, never user input)."""


class Outbox:
    """The outbox and its outcome tables inside one open transaction (module docstring)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    # -- rows in ----------------------------------------------------------------------------------------------

    def add(
        self,
        record_id: str,
        record_type: str,
        case_id: str,
        base_version: int,
        fields: Mapping[str, JsonValue],
        state: str = "queued",
    ) -> str:
        """A new row; returns its mutation id."""
        mutation_id = new_id_strings(1)[0]
        self._conn.execute(
            _INSERT_ROW,
            (mutation_id, record_id, record_type, case_id, base_version, _dumps(dict(fields)), state, _now()),
        )
        return mutation_id

    def add_many(self, rows: list[tuple[str, str, str, str, str, str]]) -> None:
        """New records' first rows, one statement for the lot: (mutation_id, record_id, type, case_id, fields JSON,
        created_at), each on version 0."""
        self._conn.executemany(
            "INSERT INTO outbox (mutation_id, record_id, record_type, case_id, base_version, fields, state, "
            "attempts, created_at) VALUES (?, ?, ?, ?, 0, ?, 'queued', 0, ?)",
            rows,
        )

    def add_change(
        self, record_id: str, record_type: str, case_id: str, base_version: int, changed: Mapping[str, JsonValue]
    ) -> None:
        """A local change: merged into the record's newest row while that was never sent (``queued``, 0 attempts),
        so an offline afternoon of edits goes out as one mutation; otherwise a new row on ``base_version``."""
        last = self._conn.execute(
            "SELECT seq, fields, state, attempts FROM outbox WHERE record_id = ? ORDER BY seq DESC LIMIT 1",
            (record_id,),
        ).fetchone()
        if last is not None and last[2] == "queued" and int(last[3]) == 0:
            merged = {**_loads(last[1]), **changed}
            self._conn.execute("UPDATE outbox SET fields = ? WHERE seq = ?", (_dumps(merged), last[0]))
        else:
            self.add(record_id, record_type, case_id, base_version, changed)

    # -- rows out to the hub ----------------------------------------------------------------------------------

    def take(self, max_count: int, max_bytes: int, skip: set[str]) -> list[OutboxRow]:
        """The next batch, in outbox order: the OLDEST row of each record whose oldest row is ``queued`` and that
        waits on no conflict or rejection. Their ``attempts`` go up (their payload is frozen from now on). A row the
        hub would refuse anyway is set aside for the user here."""
        batch: list[OutboxRow] = []
        size = 0
        for raw in self._conn.execute(_TAKE_SQL, (max_count + len(skip),)).fetchall():
            row = _row(raw)
            if row.mutation_id in skip:
                continue
            try:
                row = replace(row, mutation=row.to_mutation())
            except ValidationError as exc:
                issues = [
                    Issue(path=".".join(str(p) for p in e["loc"]), code="invalid", message=e["msg"])
                    for e in exc.errors()[:20]
                ]
                self.hold(row, issues, "rejected")
                continue
            if batch and (len(batch) >= max_count or size + row.size > max_bytes):
                break
            batch.append(row)
            size += row.size
        self._conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1 WHERE mutation_id = ?", [(r.mutation_id,) for r in batch]
        )
        return batch

    # -- rows out: the one way --------------------------------------------------------------------------------

    def complete(self, mutation_ids: Iterable[str], *, answered: bool = False) -> set[str]:
        """Remove these rows: the ONLY statement that deletes from the outbox. Returns the ids that were there (an
        answer replayed finds its row gone). ``answered``: the caller is storing the hub's answer to them in this
        transaction. Without it only rows the hub never saw (0 attempts) or whose refusal is stored (``held``) may
        go; a sent row still waiting for its answer raises OutboxError."""
        ids = list(dict.fromkeys(mutation_ids))
        gone: set[str] = set()
        for chunk, marks in in_chunks(ids):
            if not answered:
                waiting = self._conn.execute(
                    f"SELECT 1 FROM outbox WHERE mutation_id IN ({marks}) "  # noqa: S608 (only ?s)
                    "AND attempts > 0 AND state != 'held' LIMIT 1",
                    chunk,
                ).fetchone()
                if waiting is not None:
                    raise OutboxError("a sent mutation leaves the outbox only with the hub's answer")
            sql = f"DELETE FROM outbox WHERE mutation_id IN ({marks}) RETURNING mutation_id"  # noqa: S608 (only ?s)
            gone.update(str(r[0]) for r in self._conn.execute(sql, chunk).fetchall())
        return gone

    # -- reading rows -----------------------------------------------------------------------------------------

    def rows(self, record_id: str) -> list[OutboxRow]:
        """The record's rows, oldest first."""
        sql = f"{_SELECT_ROWS} WHERE record_id = ? ORDER BY seq"
        return [_row(r) for r in self._conn.execute(sql, (record_id,)).fetchall()]

    def contains(self, mutation_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM outbox WHERE mutation_id = ?", (mutation_id,)).fetchone() is not None

    def waiting(self, mutation_ids: list[str]) -> set[str]:
        """Which of these rows are still in the outbox."""
        found: set[str] = set()
        for chunk, marks in in_chunks(mutation_ids):
            sql = f"SELECT mutation_id FROM outbox WHERE mutation_id IN ({marks})"  # noqa: S608 (only ?s)
            found.update(str(r[0]) for r in self._conn.execute(sql, chunk).fetchall())
        return found

    def busy(self, record_ids: list[str]) -> set[str]:
        """Which of these records have another row, an open conflict or an open rejection."""
        found: set[str] = set()
        for chunk, marks in in_chunks(record_ids):
            found.update(str(r[0]) for r in self._conn.execute(_BUSY_SQL.format(marks=marks), chunk * 3).fetchall())
        return found

    def is_idle(self, record_id: str) -> bool:
        """No row, no open conflict, no open rejection for this record."""
        busy = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1) "
            "OR EXISTS (SELECT 1 FROM conflicts WHERE record_id = ?1 AND resolved_at IS NULL) "
            "OR EXISTS (SELECT 1 FROM rejections WHERE record_id = ?1 AND resolved_at IS NULL)",
            (record_id,),
        ).fetchone()[0]
        return not busy

    # -- rewriting unsent rows ----------------------------------------------------------------------------------

    def rewrite(self, mutation_id: str, fields: Mapping[str, JsonValue], base_version: int, state: str) -> None:
        """An unsent row rebased: what it still carries, on which version, queued or held."""
        self._conn.execute(
            "UPDATE outbox SET fields = ?, base_version = ?, state = ? WHERE mutation_id = ? AND attempts = 0",
            (_dumps(dict(fields)), base_version, state, mutation_id),
        )

    def carry_forward(self, answered: OutboxRow, carried: dict[str, JsonValue]) -> None:
        """A conflicting mutation stored nothing at the hub: its fields go on with the next unsent row of the record
        (made on top of it), or in a fresh row; the replica's rebase then keeps only what still needs sending."""
        if not carried:
            return
        rows = self.rows(answered.record_id)
        if rows and rows[0].attempts == 0:
            fields = {**carried, **rows[0].fields}
            self._conn.execute(
                "UPDATE outbox SET fields = ? WHERE mutation_id = ?", (_dumps(fields), rows[0].mutation_id)
            )
            return
        self.add(answered.record_id, answered.record_type, answered.case_id, answered.base_version, carried)

    def strip_fields(self, record_id: str, names: set[str]) -> None:
        """Remove ``names`` from the record's unsent rows (rows left empty leave)."""
        empty: list[str] = []
        for row in self.rows(record_id):
            if row.attempts > 0 or not names & row.fields.keys():
                continue
            keep = {k: v for k, v in row.fields.items() if k not in names}
            if keep:
                self._conn.execute(
                    "UPDATE outbox SET fields = ? WHERE mutation_id = ?", (_dumps(keep), row.mutation_id)
                )
            else:
                empty.append(row.mutation_id)
        self.complete(empty)

    def release(self, record_id: str, base_version: int | None = None) -> None:
        """The record's unsent held rows go back in the queue (on ``base_version`` when given)."""
        if base_version is None:
            self._conn.execute(
                "UPDATE outbox SET state = 'queued' WHERE record_id = ? AND state = 'held' AND attempts = 0",
                (record_id,),
            )
        else:
            self._conn.execute(
                "UPDATE outbox SET state = 'queued', base_version = ? WHERE record_id = ? AND attempts = 0",
                (base_version, record_id),
            )

    # -- refusals (rejections) ----------------------------------------------------------------------------------

    def hold(self, row: OutboxRow, issues: Iterable[Issue], outcome: str) -> None:
        """Refused (by the hub, or here before sending): the row stays, held with the reasons, and holds the later
        rows of its record; a rejection waits for the user. The rest of the queue flows."""
        text = _issues_json(issues)
        self._conn.execute(
            "UPDATE outbox SET state = 'held', last_error = ? WHERE record_id = ? AND seq >= ?",
            (text[:2000], row.record_id, row.seq),
        )
        self._conn.execute(
            "INSERT INTO rejections (mutation_id, record_id, outcome, issues, created_at) VALUES (?, ?, ?, ?, ?)",
            (row.mutation_id, row.record_id, outcome, text, _now()),
        )
        self.settle(row.record_id)

    def has_open_rejection(self, record_id: str) -> bool:
        sql = "SELECT 1 FROM rejections WHERE record_id = ? AND resolved_at IS NULL LIMIT 1"
        return self._conn.execute(sql, (record_id,)).fetchone() is not None

    def open_rejection(self, rejection_id: int) -> tuple[_Rec, list[OutboxRow]] | None:
        """An open rejection's record and its held rows (the refused one first), or None."""
        raw = self._conn.execute(
            "SELECT record_id, mutation_id FROM rejections WHERE id = ? AND resolved_at IS NULL", (rejection_id,)
        ).fetchone()
        if raw is None:
            return None
        rec = load_record(self._conn, str(raw[0]))
        if rec is None:
            return None
        rows = self.rows(rec.id)
        start = next((i for i, r in enumerate(rows) if r.mutation_id == str(raw[1])), None)
        held = rows[start:] if start is not None else []
        return (rec, held) if held else None

    def rejections(self, record_id: str | None = None) -> list[RejectionView]:
        sql = (
            "SELECT r.id, r.record_id, r.mutation_id, r.outcome, r.issues, o.fields FROM rejections r "
            "LEFT JOIN outbox o ON o.mutation_id = r.mutation_id WHERE r.resolved_at IS NULL"
        )
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " AND r.record_id = ?"
            params = (record_id,)
        return [
            RejectionView(
                id=int(r[0]),
                record_id=str(r[1]),
                mutation_id=str(r[2]),
                outcome=str(r[3]),
                issues=tuple(Issue.model_validate(i) for i in json.loads(r[4])),
                fields=_loads(r[5]),
            )
            for r in self._conn.execute(sql + " ORDER BY r.id", params).fetchall()
        ]

    def close_rejection(self, rejection_id: int) -> None:
        self._conn.execute("UPDATE rejections SET resolved_at = ? WHERE id = ?", (_now(), rejection_id))

    def discard_record(self, record_id: str) -> None:
        """A refused create dropped by the user: every row of the record leaves and its rejections close."""
        self.complete([r.mutation_id for r in self.rows(record_id)])
        self._conn.execute("UPDATE rejections SET resolved_at = ? WHERE record_id = ?", (_now(), record_id))

    # -- conflicts ----------------------------------------------------------------------------------------------

    def has_open_conflict(self, record_id: str) -> bool:
        sql = "SELECT 1 FROM conflicts WHERE record_id = ? AND resolved_at IS NULL LIMIT 1"
        return self._conn.execute(sql, (record_id,)).fetchone() is not None

    def open_conflict(self, record_id: str) -> ConflictView | None:
        raw = self._conn.execute(
            "SELECT id, record_id, server_version, fields FROM conflicts WHERE record_id = ? AND resolved_at IS NULL "
            "ORDER BY id LIMIT 1",
            (record_id,),
        ).fetchone()
        return None if raw is None else _conflict_view(raw)

    def conflict(self, conflict_id: int) -> ConflictView | None:
        """An open conflict by id."""
        raw = self._conn.execute(
            "SELECT id, record_id, server_version, fields FROM conflicts WHERE id = ? AND resolved_at IS NULL",
            (conflict_id,),
        ).fetchone()
        return None if raw is None else _conflict_view(raw)

    def conflicts(self, record_id: str | None = None) -> list[ConflictView]:
        sql = "SELECT id, record_id, server_version, fields FROM conflicts WHERE resolved_at IS NULL"
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " AND record_id = ?"
            params = (record_id,)
        return [_conflict_view(r) for r in self._conn.execute(sql + " ORDER BY id", params).fetchall()]

    def close_conflict(self, conflict_id: int) -> None:
        self._conn.execute("UPDATE conflicts SET resolved_at = ? WHERE id = ?", (_now(), conflict_id))

    def resolved_fields(self, mutation_id: str) -> set[str]:
        """Fields of conflicts already raised for this mutation and settled by the user: not to be raised again."""
        names: set[str] = set()
        for (fields,) in self._conn.execute(
            "SELECT fields FROM conflicts WHERE mutation_id = ? AND resolved_at IS NOT NULL", (mutation_id,)
        ).fetchall():
            names.update(str(f["field"]) for f in json.loads(fields))
        return names

    def upsert_conflict(
        self, record_id: str, version: int, found: Mapping[str, FieldConflict], mutation_id: str | None
    ) -> ConflictView:
        """One open conflict per record: new clashes join it (a later clash on the same field replaces the earlier)."""
        current = self.open_conflict(record_id)
        if current is None:
            fields = list(found.values())
            cur = self._conn.execute(
                "INSERT INTO conflicts (record_id, mutation_id, server_version, fields, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (record_id, mutation_id, version, _dumps([f.model_dump(mode="json") for f in fields]), _now()),
            )
            return ConflictView(int(cur.lastrowid), record_id, version, tuple(fields))
        merged = {c.field: c for c in current.fields}
        for name, clash in found.items():
            earlier = merged.get(name)
            # keep the original base: it is what the user last saw before either side changed the field
            merged[name] = clash if earlier is None else clash.model_copy(update={"base": earlier.base})
        fields = list(merged.values())
        self._conn.execute(
            "UPDATE conflicts SET fields = ?, server_version = ? WHERE id = ?",
            (_dumps([f.model_dump(mode="json") for f in fields]), version, current.id),
        )
        return ConflictView(current.id, record_id, version, tuple(fields))

    # -- receipts -----------------------------------------------------------------------------------------------

    def store_receipt(self, record_id: str, receipt: Receipt) -> None:
        self._conn.execute(
            "INSERT INTO receipts (record_id, hub_reference, received_at, content_hash) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (record_id) DO UPDATE SET hub_reference = excluded.hub_reference, "
            "received_at = excluded.received_at, content_hash = excluded.content_hash",
            (record_id, receipt.hub_reference, receipt.received_at.isoformat(), receipt.content_hash),
        )

    def receipt(self, record_id: str) -> Receipt | None:
        raw = self._conn.execute(
            "SELECT hub_reference, received_at, content_hash FROM receipts WHERE record_id = ?", (record_id,)
        ).fetchone()
        if raw is None:
            return None
        return Receipt(hub_reference=raw[0], received_at=datetime.fromisoformat(raw[1]), content_hash=raw[2])

    # -- the record's standing ----------------------------------------------------------------------------------

    def standing(self, record_id: str) -> str:
        """What the outbox's tables say of a record: rejected, conflict, pending or synced."""
        if self.has_open_rejection(record_id):
            return "rejected"
        if self.has_open_conflict(record_id):
            return "conflict"
        if self._conn.execute("SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1", (record_id,)).fetchone():
            return "pending"
        return "synced"

    def settle(self, record_id: str) -> None:
        """Write the record's ``state`` column from ``standing`` (the one column of ``records`` derived from here)."""
        self._conn.execute("UPDATE records SET state = ? WHERE id = ?", (self.standing(record_id), record_id))

    def counts(self) -> tuple[int, int, int]:
        """(rows pending, open conflicts, open rejections)."""
        pending = self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        conflicts = self._conn.execute("SELECT COUNT(*) FROM conflicts WHERE resolved_at IS NULL").fetchone()[0]
        rejected = self._conn.execute("SELECT COUNT(*) FROM rejections WHERE resolved_at IS NULL").fetchone()[0]
        return int(pending), int(conflicts), int(rejected)

    def queued_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'queued'").fetchone()[0])


__all__ = [
    "ConflictView",
    "Outbox",
    "OutboxError",
    "OutboxRow",
    "RejectionView",
    "VaultPort",
    "in_chunks",
    "load_record",
]
