"""Pulling changes: what a user may see, after a cursor, in seq order, in pages.

The page is bounded by the horizon read first (``hub._store.horizon``): every seq below it is committed, and every
change still in flight will commit above it, so the cursor handed back never passes a change that commits late.
Work is one indexed range scan on ``records.seq`` (or on ``(case_id, seq)`` / ``(practice_ods, seq)`` /
``(team, seq)``) filtered by visibility in SQL: proportional to the changes since the cursor, never to the table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from hub import _access, _audit, _store
from hub._auth import Principal, when
from hub._db import Database
from hub._settings import Settings
from hub._tables import records
from protocol import Author, Change, HubMeta, PullResponse, Receipt, RecordType


def author_of(m: Mapping[str, Any] | sa.RowMapping) -> Author | None:
    """The attested author stored with a record (None only for rows older than attestation with no known user)."""
    return Author.model_validate_json(m["author"]) if m["author"] else None


def change_from_row(m: sa.RowMapping) -> Change:
    receipt = None
    if m["receipt_ref"]:
        receipt = Receipt(
            hub_reference=m["receipt_ref"], received_at=when(m["receipt_at"]), content_hash=m["receipt_hash"]
        )
    return Change(
        seq=m["seq"],
        record_id=uuid.UUID(m["record_id"]),
        record_type=RecordType(m["record_type"]),
        case_id=uuid.UUID(m["case_id"]),
        version=m["version"],
        fields=_store.loads_fields(m["fields"]),
        hub=HubMeta(
            status=m["status"],
            flags=json.loads(m["flags"]) if m["flags"] else [],
            receipt=receipt,
            author=author_of(m),
        ),
    )


def pull(db: Database, settings: Settings, who: Principal, cursor: int, limit: int) -> PullResponse:
    """``cursor`` and ``limit`` arrive checked (``protocol.Cursor``, ``PullLimit``: one bound on every path)."""
    after = cursor
    with db.read() as conn:
        head = _store.horizon(conn) - 1
        rows = (
            conn.execute(
                sa.select(records)
                .where(records.c.seq > after, records.c.seq <= head, _access.visible(who))
                .order_by(records.c.seq)
                .limit(limit + 1)
            )
            .mappings()
            .all()
        )
    more = len(rows) > limit
    rows = rows[:limit]
    # Past the last row of a full page; else up to head: nothing visible is left there, skip the rest for good.
    new_cursor = rows[-1]["seq"] if more else max(cursor, head)
    changes = [change_from_row(row) for row in rows]
    if changes:
        # Reads are audited: who saw which records (an empty pull reads nothing and is not written down).
        with db.write(urgent=True) as conn:
            _audit.record(
                conn,
                at=settings.clock(),
                actor=who.username,
                device_id=who.device_id,
                action="pull",
                outcome="ok",
                target=f"seq {cursor}..{new_cursor}",
                detail={"records": [str(c.record_id) for c in changes]},
            )
    return PullResponse(changes=changes, cursor=new_cursor, more=more)
