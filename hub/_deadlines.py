"""Deadlines that follow a referral's rating: its own timescale (``screenings.due_at``) and those of its open
information requests, moved together when the rating changes, and the hub's revisions of a request's record.

A request is the hub's own record (devices only read it), so a moved deadline or a chase is a new version of it
with a new seq: the addressee's devices pull it like any other change. Each move is returned to the caller, which
keeps it in the referral's history (``hub._screening.record_event``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _store
from hub._errors import AdminError
from hub._tables import records
from hub._timescales import Timescales
from hub._validation import errors, validate
from protocol import RecordType


@dataclass(frozen=True)
class Moved:
    """One deadline moved: whose (a request's reference, or "" for the referral's own), from and to."""

    reference: str
    before: dt.datetime | None
    after: dt.datetime | None


def referral_due(conn: Connection, record_id: str, rating: str | None, timescales: Timescales) -> dt.datetime | None:
    """When the referral is due under ``rating``: its timescale runs from the time the hub received it."""
    row = conn.execute(
        sa.select(records.c.receipt_at, records.c.created_at).where(records.c.record_id == record_id)
    ).one()
    return timescales.due(dt.datetime.fromtimestamp(row.receipt_at or row.created_at, dt.UTC), rating)


def revise_request(conn: Connection, record_id: str, change: dict[str, Any], now: float, user_id: str) -> None:
    """A new version of an information request with ``change`` laid over its fields (checked as on creation)."""
    row = conn.execute(
        sa.select(records.c.fields, records.c.version)
        .where(records.c.record_id == record_id, records.c.record_type == RecordType.INFO_REQUEST.value)
        .with_for_update()
    ).one()
    fields = {**json.loads(row.fields), **change}
    issues = validate(RecordType.INFO_REQUEST.value, fields, partial=False)
    if errors(issues):
        raise AdminError("; ".join(f"{i.path}: {i.message}" for i in issues if i.severity == "error"))
    _store.revise_record(conn, now=now, record_id=record_id, version=row.version, fields=fields, user_id=user_id)


def open_requests(conn: Connection, case_id: str) -> list[Any]:
    """The case's information requests with no answer yet, oldest first."""
    answered = sa.select(records.c.request_id).where(
        records.c.case_id == case_id, records.c.record_type == RecordType.RESPONSE.value
    )
    return list(
        conn.execute(
            sa.select(records.c.record_id, records.c.fields, records.c.created_at)
            .where(
                records.c.case_id == case_id,
                records.c.record_type == RecordType.INFO_REQUEST.value,
                records.c.record_id.not_in(answered.where(records.c.request_id.is_not(None))),
            )
            .order_by(records.c.seq)
        ).all()
    )


def move_request_deadlines(
    conn: Connection, case_id: str, rating: str, timescales: Timescales, now: float, user_id: str
) -> list[Moved]:
    """Give each open request of the case the deadline ``rating`` sets, counted from when it was sent. A rating
    with no timescale (blue) leaves them as they are: a request still needs its answer."""
    moved = []
    for row in open_requests(conn, case_id):
        sent = dt.datetime.fromtimestamp(row.created_at, dt.UTC)
        after = timescales.due(sent, rating)
        if after is None:
            continue
        fields = json.loads(row.fields)
        try:
            before: dt.datetime | None = dt.datetime.fromisoformat(str(fields.get("deadline")))
        except ValueError:
            before = None
        if before == after and fields.get("rag") == rating:
            continue
        revise_request(conn, row.record_id, {"deadline": after.isoformat(), "rag": rating}, now, user_id)
        moved.append(Moved(str(fields.get("reference") or ""), before, after))
    return moved
