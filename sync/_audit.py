"""The hash-chained audit log: every view, change, export and share made on this device.

Each row's ``hash`` is SHA-256 over the previous row's hash and this row's content, so removing, reordering or
editing a row breaks the chain from there on (``verify_chain``). The log lives inside the encrypted database, so its
details may name records; they never hold field values.

``append_audit`` is called inside the caller's transaction (the sync engine calls it when it stores pulled records),
so an action and its audit row commit together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from uuid import UUID

import orjson

if TYPE_CHECKING:
    from sync._sqlcipher import DbConnection

GENESIS: Final = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    action: str
    record_id: str | None
    detail: str
    prev_hash: str
    hash: str


def _entry_hash(prev_hash: str, at: str, action: str, record_id: str | None, detail: str) -> str:
    # The payload is compact JSON, UTF-8, as json.dumps(separators=(",", ":"), ensure_ascii=False) wrote it before
    # orjson did (byte for byte: tests/sync/test_audit_payload.py), so chains written then still verify.
    payload = orjson.dumps([prev_hash, at, action, record_id, detail])
    return hashlib.sha256(payload).hexdigest()


def append_audit(conn: DbConnection, action: str, record_id: UUID | str | None, detail: str = "") -> str:
    """Append one entry (inside the caller's transaction); returns its hash."""
    row = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    prev = GENESIS if row is None else str(row[0])
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    rid = None if record_id is None else str(record_id)
    digest = _entry_hash(prev, at, action, rid, detail)
    conn.execute(
        "INSERT INTO audit (at, action, record_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
        (at, action, rid, detail, prev, digest),
    )
    return digest


def append_audits(conn: DbConnection, action: str, entries: Sequence[tuple[str | None, str]]) -> None:
    """Append one ``action`` entry per (record id, detail), chained in order, with one statement."""
    row = conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    prev = GENESIS if row is None else str(row[0])
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    rows = []
    for rid, detail in entries:
        digest = _entry_hash(prev, at, action, rid, detail)
        rows.append((at, action, rid, detail, prev, digest))
        prev = digest
    conn.executemany(
        "INSERT INTO audit (at, action, record_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)", rows
    )


def read_audit(
    conn: DbConnection, *, record_id: UUID | str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Entries oldest first (optionally for one record; ``limit``: the newest ``limit`` entries)."""
    sql = "SELECT seq, at, action, record_id, detail, prev_hash, hash FROM audit"
    params: list[object] = []
    if record_id is not None:
        sql += " WHERE record_id = ?"
        params.append(str(record_id))
    sql += " ORDER BY seq DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = conn.execute(sql, params).fetchall()
    return [AuditEntry(*(r[i] for i in range(7))) for r in reversed(rows)]


def verify_chain(conn: DbConnection) -> bool:
    """True when every entry links to the one before and its hash matches its content."""
    prev = GENESIS
    for row in conn.execute("SELECT at, action, record_id, detail, prev_hash, hash FROM audit ORDER BY seq"):
        at, action, rid, detail, prev_hash, digest = (row[i] for i in range(6))
        if prev_hash != prev or _entry_hash(prev_hash, at, action, rid, detail) != digest:
            return False
        prev = digest
    return True


__all__ = ["GENESIS", "AuditEntry", "append_audit", "append_audits", "read_audit", "verify_chain"]
