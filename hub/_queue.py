"""The screening queue: every open referral with its rating, worker and time left, filtered and sorted.

Time left is computed here from the receipt time, the rating and the hub's ``Timescales`` at the moment of asking;
it is never stored. Open means every referral whose hub status is not ``outcome_recorded``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa

from hub import _authorities, _referral_view
from hub._console_tables import screenings
from hub._db import Database
from hub._tables import records, users
from hub._timescales import RATINGS, Timescales, is_overdue, time_left_words
from sync.protocol import RecordType

CLOSED: Final = ("outcome_recorded",)
SORTS: Final = {
    "priority": "Most urgent first",
    "received": "Newest first",
    "child": "Child's name",
    "rating": "Rating",
}
STATUS_WORDS: Final = {
    "received": "Received",
    "triaged": "Screening",
    "information_requested": "Gathering information",
    "outcome_recorded": "Outcome recorded",
}


@dataclass(frozen=True)
class Filters:
    authority: str = ""
    rating: str = ""  # a rating, "unrated", or "" for all
    worker: str = ""  # a username, "none", or ""
    status: str = ""
    overdue: bool = False
    sort: str = "priority"

    def as_dict(self) -> dict[str, Any]:
        return {
            "authority": self.authority,
            "rating": self.rating,
            "worker": self.worker,
            "status": self.status,
            "overdue": self.overdue,
            "sort": self.sort,
        }


@dataclass(frozen=True)
class QueueItem:
    record_id: str
    reference: str
    view: _referral_view.ReferralView
    age: str
    received: dt.datetime
    rating: str | None
    worker_username: str | None
    worker_name: str | None
    status: str
    due: dt.datetime | None
    time_left: str
    overdue: bool
    already_open: bool


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    counts: dict[str, int]  # by rating, plus "unrated" and "overdue", over all open referrals (before filters)
    authorities: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)


def _priority(item: QueueItem) -> tuple[int, float, float]:
    received = item.received.timestamp()
    if item.due is not None:
        return (0, item.due.timestamp(), received)
    if item.rating is None:
        return (1, received, received)
    return (2, -received, received)


def _sort(items: list[QueueItem], sort: str) -> list[QueueItem]:
    if sort == "received":
        return sorted(items, key=lambda i: i.received, reverse=True)
    if sort == "child":
        return sorted(items, key=lambda i: (i.view.child_name.lower(), i.received))
    if sort == "rating":
        order = {r: n for n, r in enumerate(RATINGS)}
        return sorted(items, key=lambda i: (order.get(i.rating or "", len(RATINGS)), _priority(i)))
    return sorted(items, key=_priority)


def _rows(db: Database, record_id: str | None, authority: str | None) -> list[Any]:
    worker = users.alias("worker")
    query = (
        sa.select(
            records.c.record_id,
            records.c.status,
            records.c.routed_to,
            records.c.receipt_ref,
            records.c.receipt_at,
            records.c.created_at,
            screenings.c.rating,
            screenings.c.already_open,
            worker.c.username.label("worker_username"),
            worker.c.display_name.label("worker_name"),
        )
        .outerjoin(screenings, screenings.c.record_id == records.c.record_id)
        .outerjoin(worker, worker.c.user_id == screenings.c.worker_id)
        .where(records.c.record_type == RecordType.REFERRAL.value, _authorities.scope(authority))
    )
    if record_id is None:
        query = query.where(sa.or_(records.c.status.is_(None), records.c.status.not_in(CLOSED)))
    else:
        query = query.where(records.c.record_id == record_id)
    with db.read() as conn:
        rows = list(conn.execute(query).all())
        _load_views(conn, [r.record_id for r in rows if r.record_id not in _VIEWS])
    return rows


# Referral records are append-only (ARCHITECTURE.md, Invariants): a referral's view never changes once read, so it
# is kept, and each queue load parses only the referrals it has not seen (JSON parsing was most of its time).
_VIEWS: OrderedDict[str, _referral_view.ReferralView] = OrderedDict()
_MAX_VIEWS: Final = 200_000


def _load_views(conn: Any, missing: list[str]) -> None:
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        for record_id, text in conn.execute(
            sa.select(records.c.record_id, records.c.fields).where(records.c.record_id.in_(chunk))
        ):
            try:
                fields = json.loads(text)
            except ValueError:
                fields = {}
            _VIEWS[record_id] = _referral_view.view(fields if isinstance(fields, dict) else {})
    while len(_VIEWS) > _MAX_VIEWS:
        _VIEWS.popitem(last=False)


def _items(
    rows: list[Any], timescales: Timescales, now: dt.datetime, per_authority: Mapping[str, Timescales]
) -> list[QueueItem]:
    today = now.astimezone(timescales.working.tz).date()
    items: list[QueueItem] = []
    for row in rows:
        view = _VIEWS.get(row.record_id) or _referral_view.view({})
        received = dt.datetime.fromtimestamp(row.receipt_at or row.created_at, dt.UTC)
        here = _authorities.of_referral(row.routed_to)
        # Each authority may count its own timescales (Settings.authority_timescales); the hub's otherwise.
        scales = per_authority.get(here.code, timescales) if here is not None else timescales
        due = scales.due(received, row.rating)
        items.append(
            QueueItem(
                record_id=row.record_id,
                reference=row.receipt_ref or row.record_id[:8],
                view=view,
                age=view.age(today),
                received=received,
                rating=row.rating,
                worker_username=row.worker_username,
                worker_name=row.worker_name,
                status=row.status or "received",
                due=due,
                time_left=time_left_words(now, due) if row.rating else "Not rated yet",
                overdue=is_overdue(now, due),
                already_open=bool(row.already_open),
            )
        )
    return items


def load_one(
    db: Database,
    timescales: Timescales,
    now: dt.datetime,
    record_id: str,
    authority: str | None = None,
    per_authority: Mapping[str, Timescales] | None = None,
) -> QueueItem | None:
    """One referral as the queue shows it (open or not), or None (also for another authority's referral)."""
    items = _items(_rows(db, record_id, authority), timescales, now, per_authority or {})
    return items[0] if items else None


def load(
    db: Database,
    timescales: Timescales,
    now: dt.datetime,
    filters: Filters,
    authority: str | None = None,
    per_authority: Mapping[str, Timescales] | None = None,
) -> Queue:
    """The open referrals of ``authority`` (every authority for None), filtered and sorted."""
    items = _items(_rows(db, None, authority), timescales, now, per_authority or {})
    counts: Counter[str] = Counter(i.rating or "unrated" for i in items)
    counts["overdue"] = sum(i.overdue for i in items)
    authorities = sorted({i.view.authority for i in items})
    statuses = sorted({i.status for i in items}, key=lambda s: list(STATUS_WORDS).index(s) if s in STATUS_WORDS else 99)
    chosen = [i for i in items if _matches(i, filters)]
    return Queue(_sort(chosen, filters.sort), dict(counts), authorities, statuses)


def _matches(item: QueueItem, f: Filters) -> bool:
    if f.authority and item.view.authority != f.authority:
        return False
    if f.rating and (item.rating or "unrated") != f.rating:
        return False
    if f.worker and (item.worker_username or "none") != f.worker:
        return False
    if f.status and item.status != f.status:
        return False
    return not (f.overdue and not item.overdue)
