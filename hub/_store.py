"""Writing records: sequence numbers, references, versions. Every change to a record goes through here.

Sequence numbers come from the ``counters`` row "seq", incremented in the writer's own transaction. The row lock
serialises writers from their first increment to their commit, so seqs become visible in order: a reader that sees
seq N has every seq below N committed already, and a pull can never skip a change that commits later with a lower
number. Lock order, to rule out deadlocks between hub processes: records first (``SELECT ... FOR UPDATE`` in
record-id order), the counter last.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.engine import Connection

from hub._tables import counters, record_versions, records

# Statements built once: SQLAlchemy then reuses their compiled form (building .values(...) each time costs more
# than the database work for these one-row statements).
_BUMP: Final = (
    sa.update(counters)
    .where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)
_BUMP_BY: Final = (
    sa.update(counters)
    .where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + sa.bindparam("n"))
    .returning(counters.c.value)
)
_CURRENT: Final = sa.select(counters.c.value).where(counters.c.name == sa.bindparam("counter"))
_UPDATE: Final = (
    sa.update(records)
    .where(records.c.record_id == sa.bindparam("rid"))
    .values(seq=sa.bindparam("seq"), version=sa.bindparam("version"), fields=sa.bindparam("fields"),
            updated_at=sa.bindparam("updated_at"))
)  # fmt: skip


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads_fields(text: str) -> dict[str, JsonValue]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def bump(conn: Connection, name: str) -> int:
    """Increment a named counter in this transaction and return its new value (locks the row until commit)."""
    return int(conn.execute(_BUMP, {"counter": name}).scalar_one())


def current(conn: Connection, name: str) -> int:
    return int(conn.execute(_CURRENT, {"counter": name}).scalar_one())


def hub_reference(conn: Connection, now: float, prefix: str = "MASH") -> str:
    year = datetime.fromtimestamp(now, UTC).year
    return f"{prefix}-{year}-{bump(conn, 'ref'):06d}"


def insert_record(
    conn: Connection,
    *,
    now: float,
    record_id: str,
    record_type: str,
    case_id: str,
    fields: Mapping[str, JsonValue],
    user_id: str,
    mutation_id: str | None,
    keep_versions: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a record at version 1 now (hub staff's writes); returns its row. Append-only records keep no version
    history: it is never needed."""
    row = new_row(now=now, record_id=record_id, record_type=record_type, case_id=case_id, fields=fields,
                  user_id=user_id, extra=extra)  # fmt: skip
    row["seq"] = bump(conn, "seq")
    conn.execute(records.insert(), row)
    if keep_versions:
        conn.execute(record_versions.insert(), version_row(record_id, 1, row["fields"], mutation_id, user_id, now))
    return row


def touch(conn: Connection, *, now: float, record_id: str, **hub_fields: Any) -> int:
    """Change hub-only columns (status, flags) and give the record a new seq so devices pull it again."""
    conn.execute(sa.select(records.c.record_id).where(records.c.record_id == record_id).with_for_update())
    seq = bump(conn, "seq")
    conn.execute(
        sa.update(records).where(records.c.record_id == record_id).values(seq=seq, updated_at=now, **hub_fields)
    )
    return seq


def restamp_case(conn: Connection, *, now: float, case_id: str) -> int:
    """Give every record of a case a new seq (e.g. a newly assigned user must pull all of it). Returns the count."""
    of_case = sa.select(records.c.record_id).where(records.c.case_id == case_id)
    conn.execute(of_case.order_by(records.c.record_id).with_for_update())  # lock in the usual order...
    ids = list(conn.execute(of_case.order_by(records.c.seq)).scalars())  # ...stamp in the order they were made
    for record_id in ids:
        seq = bump(conn, "seq")
        conn.execute(sa.update(records).where(records.c.record_id == record_id).values(seq=seq, updated_at=now))
    return len(ids)


class PendingWrites:
    """Record writes of one push, held back until its end so the "seq" lock is taken as late as possible.

    ``flush`` takes all the seqs at once (one ``UPDATE ... + n``) and writes; the counter row stays locked only for
    those inserts and the commit, not for the checks and validation of the whole batch.
    """

    def __init__(self) -> None:
        self._writes: list[tuple[str, dict[str, Any]]] = []
        self._versions: list[dict[str, Any]] = []

    def insert(self, row: dict[str, Any], version: dict[str, Any] | None) -> None:
        self._writes.append(("insert", row))
        if version is not None:
            self._versions.append(version)

    def update(self, params: dict[str, Any], version: dict[str, Any]) -> None:
        self._writes.append(("update", params))
        self._versions.append(version)

    def version_text(self, record_id: str, version: int) -> str | None:
        """The fields of a version written earlier in this batch (not in the database yet), if any."""
        for row in self._versions:
            if row["record_id"] == record_id and row["version"] == version:
                return str(row["fields"])
        return None

    def flush(self, conn: Connection) -> None:
        if self._versions:  # they need no seq: written before the counter is locked
            conn.execute(record_versions.insert(), self._versions)
        if not self._writes:
            return
        top = int(conn.execute(_BUMP_BY, {"counter": "seq", "n": len(self._writes)}).scalar_one())
        seq = top - len(self._writes) + 1
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for kind, params in self._writes:  # seqs in the order of the writes; all inserts go first, in one statement
            (inserts if kind == "insert" else updates).append({**params, "seq": seq})
            seq += 1
        if inserts:
            conn.execute(records.insert(), inserts)
        for params in updates:
            conn.execute(_UPDATE, params)
        self._writes.clear()
        self._versions.clear()


def new_row(
    *,
    now: float,
    record_id: str,
    record_type: str,
    case_id: str,
    fields: Mapping[str, JsonValue],
    user_id: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``records`` row at version 1 (without its seq)."""
    return {
        "record_id": record_id,
        "record_type": record_type,
        "case_id": case_id,
        "version": 1,
        "fields": dumps(dict(fields)),
        "created_by": user_id,
        "practice_ods": None,
        "request_id": None,
        "routed_to": None,
        "status": None,
        "flags": None,
        "receipt_ref": None,
        "receipt_at": None,
        "receipt_hash": None,
        "author": None,
        "created_at": now,
        "updated_at": now,
        **(extra or {}),
    }


def version_row(
    record_id: str, version: int, text: str, mutation_id: str | None, user_id: str, now: float
) -> dict[str, Any]:
    return {"record_id": record_id, "version": version, "fields": text, "mutation_id": mutation_id, "user_id": user_id,
            "created_at": now}  # fmt: skip
