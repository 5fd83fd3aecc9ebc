"""Writing records: sequence numbers, references, versions. Every change to a record goes through here.

Sequence numbers come from the ``counters`` row "seq", incremented in the writer's own transaction and taken as
late as possible (just before the record is written and the transaction commits). The row lock serialises the
writers from that point to their commit, so seqs become visible in order: a reader that sees seq N has every seq
below N committed already, and a pull can never skip a change that commits later with a lower number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.engine import Connection

from hub._tables import counters, record_versions, records


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads_fields(text: str) -> dict[str, JsonValue]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def bump(conn: Connection, name: str) -> int:
    """Increment a named counter in this transaction and return its new value (locks the row until commit)."""
    value = conn.execute(
        sa.update(counters)
        .where(counters.c.name == name)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    ).scalar_one()
    return int(value)


def current(conn: Connection, name: str) -> int:
    return int(conn.execute(sa.select(counters.c.value).where(counters.c.name == name)).scalar_one())


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
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Create a record at version 1; returns its seq."""
    seq = bump(conn, "seq")
    text = dumps(dict(fields))
    conn.execute(
        sa.insert(records).values(
            record_id=record_id,
            record_type=record_type,
            case_id=case_id,
            seq=seq,
            version=1,
            fields=text,
            created_by=user_id,
            created_at=now,
            updated_at=now,
            **(extra or {}),
        )
    )
    conn.execute(
        sa.insert(record_versions).values(
            record_id=record_id, version=1, fields=text, mutation_id=mutation_id, user_id=user_id, created_at=now
        )
    )
    return seq


def update_record(
    conn: Connection,
    *,
    now: float,
    record_id: str,
    version: int,
    fields: Mapping[str, JsonValue],
    user_id: str,
    mutation_id: str | None,
) -> int:
    """Store ``fields`` as ``version`` (the previous one + 1); returns the new seq."""
    seq = bump(conn, "seq")
    text = dumps(dict(fields))
    conn.execute(
        sa.update(records)
        .where(records.c.record_id == record_id)
        .values(seq=seq, version=version, fields=text, updated_at=now)
    )
    conn.execute(
        sa.insert(record_versions).values(
            record_id=record_id, version=version, fields=text, mutation_id=mutation_id, user_id=user_id, created_at=now
        )
    )
    return seq


def touch(conn: Connection, *, now: float, record_id: str, **hub_fields: Any) -> int:
    """Change hub-only columns (status, flags) and give the record a new seq so devices pull it again."""
    seq = bump(conn, "seq")
    conn.execute(
        sa.update(records).where(records.c.record_id == record_id).values(seq=seq, updated_at=now, **hub_fields)
    )
    return seq


def restamp_case(conn: Connection, *, now: float, case_id: str) -> int:
    """Give every record of a case a new seq (e.g. a newly assigned user must pull all of it). Returns the count."""
    ids = list(
        conn.execute(
            sa.select(records.c.record_id).where(records.c.case_id == case_id).order_by(records.c.seq)
        ).scalars()
    )
    for record_id in ids:
        touch(conn, now=now, record_id=record_id)
    return len(ids)
