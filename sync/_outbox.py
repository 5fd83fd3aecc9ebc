"""Outbox and record rows as values, and the small SQL steps every part of replication uses.

Every function here runs inside the caller's transaction (it takes the open connection) and never commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, Protocol

from pydantic import JsonValue, ValidationError
from uuid6 import uuid7

from sync.protocol import (
    FieldConflict,
    HubMeta,
    Issue,
    Mutation,
    MutationResult,
    Outcome,
    Receipt,
)

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
    current: dict[str, tuple[dict[str, JsonValue], int, str]] = {}
    waiting: set[str] = set()  # rows still in the outbox (a replayed answer finds its row gone)
    mutation_ids = [row.mutation_id for row, _ in candidates.values()]
    for chunk, marks in _in_chunks(mutation_ids):
        sql = f"SELECT mutation_id FROM outbox WHERE mutation_id IN ({marks})"  # noqa: S608
        waiting.update(str(r[0]) for r in conn.execute(sql, chunk).fetchall())
    for chunk, marks in _in_chunks(record_ids):
        sql = _BUSY_SQL.format(marks=marks)
        busy.update(str(r[0]) for r in conn.execute(sql, chunk * 3).fetchall())
        sql = f"SELECT id, server_body, server_version, body FROM records WHERE id IN ({marks})"  # noqa: S608
        for raw in conn.execute(sql, chunk).fetchall():
            current[str(raw[0])] = (_loads(raw[1]), int(raw[2]), str(raw[3]))
    changed: list[tuple[Any, ...]] = []
    confirmed: list[tuple[Any, ...]] = []  # the hub holds exactly the local body: it stays, and so does updated_at
    deletes: list[tuple[str]] = []
    now = _now()
    for record_id, (row, result) in candidates.items():
        if record_id in busy or record_id not in current or row.mutation_id not in waiting:
            continue
        server_body, server_version, body = current[record_id]
        if result.version < server_version:
            continue
        theirs = dict(result.fields) if result.fields is not None else {**server_body, **row.fields}
        text = _dumps(theirs)
        if theirs == _loads(body):
            confirmed.append((text, result.version, record_id))
        else:
            changed.append((text, text, result.version, now, record_id))
        deletes.append((row.mutation_id,))
    if not deletes:
        return set()
    conn.executemany("DELETE FROM outbox WHERE mutation_id = ?", deletes)
    conn.executemany("UPDATE records SET server_body = ?, server_version = ?, state = 'synced' WHERE id = ?", confirmed)
    conn.executemany(
        "UPDATE records SET body = ?, server_body = ?, server_version = ?, state = 'synced', updated_at = ? "
        "WHERE id = ?",
        changed,
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


__all__ = ["ConflictView", "OutboxRow", "RejectionView", "VaultPort"]
