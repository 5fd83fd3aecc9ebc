"""The queue's facts: what it filters and sorts on, read once from each referral's body into ``referral_facts``.

A referral is append-only, but its hub status moves (``hub._store.touch`` gives it a new seq each time), so the
facts follow the records by seq: ``catch_up`` reads the referrals after the watermark (the ``counters`` row
``referral_facts``) up to the committed head, exactly as a pull would, and upserts their facts. A queue load with
nothing new reads two rows and writes nothing. Ratings, workers and deadlines stay in ``screenings``, joined live.
It also gives a deadline to ratings made before revision 0009 stored one (``screenings.due_at``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from hub import _referral_view, _store
from hub._console_tables import referral_facts, screenings
from hub._db import Database
from hub._tables import counters, records
from hub._timescales import Timescales
from protocol import RecordType

CLOSED: Final = ("outcome_recorded",)
WATERMARK: Final = "referral_facts"
_CHUNK: Final = 2000


def _facts(row: Any) -> dict[str, Any]:
    try:
        fields = json.loads(row.fields)
    except ValueError:
        fields = {}
    view = _referral_view.view(fields if isinstance(fields, dict) else {})
    status = row.status or "received"
    return {
        "record_id": row.record_id,
        "open": status not in CLOSED,
        "status": status,
        "received_at": row.receipt_at or row.created_at,
        "authority": view.authority[:200],
        "child_key": view.child_name.lower()[:200],
    }


def _upsert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(referral_facts)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[referral_facts.c.record_id],
            set_={"open": stmt.excluded.open, "status": stmt.excluded.status},
        ),
        rows,
    )


def catch_up(db: Database, timescales: Timescales) -> None:
    """Bring ``referral_facts`` up to the committed head (and fill missing deadlines). Cheap when nothing changed."""
    with db.read() as conn:
        mark = conn.execute(sa.select(counters.c.value).where(counters.c.name == WATERMARK)).scalar()
        head = _store.horizon(conn) - 1  # every seq up to here is committed (hub._store.horizon)
        undated = conn.execute(
            sa.select(screenings.c.record_id, screenings.c.rating, referral_facts.c.received_at)
            .join(referral_facts, referral_facts.c.record_id == screenings.c.record_id)
            .where(screenings.c.due_at.is_(None), screenings.c.rating.in_(("red", "amber", "green")))
        ).all()
    start = int(mark or 0)
    if undated:
        with db.write() as conn:
            for u in undated:
                due = timescales.due(dt.datetime.fromtimestamp(u.received_at, dt.UTC), u.rating)
                conn.execute(
                    sa.update(screenings)
                    .where(screenings.c.record_id == u.record_id, screenings.c.due_at.is_(None))
                    .values(due_at=due.timestamp() if due else None)
                )
    if head <= start:
        return
    while True:
        with db.read() as conn:
            rows = conn.execute(
                sa.select(
                    records.c.record_id,
                    records.c.seq,
                    records.c.fields,
                    records.c.status,
                    records.c.receipt_at,
                    records.c.created_at,
                )
                .where(
                    records.c.seq > start,
                    records.c.seq <= head,
                    records.c.record_type == RecordType.REFERRAL.value,
                )
                .order_by(records.c.seq)
                .limit(_CHUNK)
            ).all()
        reached = rows[-1].seq if len(rows) == _CHUNK else head
        with db.write() as conn:
            if rows:
                _upsert(conn, [_facts(r) for r in rows])
            _advance(conn, reached)
        if reached >= head:
            return
        start = reached


def _advance(conn: Connection, to: int) -> None:
    moved = conn.execute(
        sa.update(counters).where(counters.c.name == WATERMARK, counters.c.value < to).values(value=to)
    ).rowcount
    if not moved:
        have = conn.execute(sa.select(counters.c.value).where(counters.c.name == WATERMARK)).first()
        if have is None:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            conn.execute(insert(counters).values(name=WATERMARK, value=to).on_conflict_do_nothing())
