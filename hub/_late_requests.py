"""Information requests past their deadline with no answer yet, across every referral a member of staff may read:
the MASH's one view of what it is still waiting for (HAZ-010), most overdue first, each with a way to its referral
(where it is chased).

A request's deadline lives in its fields (the devices read it there), so the open requests are read and their
deadlines compared here. Open requests are few (a MASH's week of asking, not its history): answered ones are left
out in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _authorities
from hub._requests import recipient_words
from hub._tables import records
from hub._timescales import time_left_words
from protocol import RecordType

_REFERRAL = records.alias("referral")
_ANSWERED = sa.select(records.c.request_id).where(
    records.c.record_type == RecordType.RESPONSE.value, records.c.request_id.is_not(None)
)


@dataclass(frozen=True)
class LateRequest:
    request_id: str
    referral_id: str  # the newest referral of the child's case this member of staff may read
    reference: str
    child: str
    recipient: str  # in words: "GP practice A81001"
    deadline: dt.datetime
    overdue: str  # "Overdue by 2 hours 5 minutes"
    chased: int  # how many times it has been chased


def late_requests(conn: Connection, authority: str | None, now: dt.datetime) -> list[LateRequest]:
    """Unanswered requests whose deadline has passed, about referrals of ``authority`` (every one for None)."""
    rows = conn.execute(
        sa.select(
            records.c.record_id,
            records.c.fields,
            records.c.practice_ods,
            _REFERRAL.c.record_id.label("referral_id"),
            _REFERRAL.c.created_at.label("referral_at"),
        )
        .select_from(
            records.join(
                _REFERRAL,
                sa.and_(
                    _REFERRAL.c.case_id == records.c.case_id,
                    _REFERRAL.c.record_type == RecordType.REFERRAL.value,
                ),
            )
        )
        .where(
            records.c.record_type == RecordType.INFO_REQUEST.value,
            records.c.record_id.not_in(_ANSWERED),
            _authorities.scope(authority, _REFERRAL.c.routed_to),
        )
    ).all()
    newest: dict[str, Any] = {}
    for row in rows:
        if row.record_id not in newest or row.referral_at > newest[row.record_id].referral_at:
            newest[row.record_id] = row
    late = []
    for row in newest.values():
        fields = orjson.loads(row.fields)
        deadline = _when(fields.get("deadline"))
        if deadline is None or now < deadline:
            continue
        child = fields.get("child")
        late.append(
            LateRequest(
                request_id=str(row.record_id),
                referral_id=str(row.referral_id),
                reference=str(fields.get("reference") or ""),
                child=str(child.get("name") or "Not given") if isinstance(child, dict) else "Not given",
                recipient=recipient_words(row.practice_ods, fields),
                deadline=deadline,
                overdue=time_left_words(now, deadline),
                chased=len(fields.get("chased_at") or []),
            )
        )
    return sorted(late, key=lambda r: (r.deadline, r.request_id))


def _when(value: object) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
