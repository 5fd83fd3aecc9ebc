"""The screening queue: every open referral with its rating, worker and time left, filtered and sorted.

Filtering, sorting, counting and paging run in SQL over ``referral_facts`` (``hub._queue_facts``) joined with
``screenings``; only the page shown is read in full. Time left is computed at the moment of asking from the deadline
the rating set (``screenings.due_at``); it is never stored. Open means every referral whose hub status is not
``outcome_recorded``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa

from hub import _authorities, _queue_facts, _referral_view
from hub._console_tables import referral_facts, screenings
from hub._db import Database
from hub._tables import records, users
from hub._timescales import RATINGS, Timescales, is_overdue, time_left_words
from protocol import RecordType

CLOSED: Final = _queue_facts.CLOSED
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

    @property
    def unfiltered(self) -> bool:
        """No filter set (a sort is not a filter): the page lists every open referral."""
        return not (self.authority or self.rating or self.worker or self.status or self.overdue)

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
    total: int = 0  # open referrals that pass the filters (``items`` is one page of them)
    page: int = 1
    pages: int = 1


def _query_rows(
    record_ids: list[str] | None, record_id: str | None = None, authority: str | None = None
) -> sa.Select[Any]:
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
            screenings.c.due_at,
            worker.c.username.label("worker_username"),
            worker.c.display_name.label("worker_name"),
        )
        .outerjoin(screenings, screenings.c.record_id == records.c.record_id)
        .outerjoin(worker, worker.c.user_id == screenings.c.worker_id)
        .where(records.c.record_type == RecordType.REFERRAL.value, _authorities.scope(authority))
    )
    if record_id is not None:
        return query.where(records.c.record_id == record_id)
    return query.where(records.c.record_id.in_(record_ids or []))


def _rows(
    db: Database, record_ids: list[str] | None, record_id: str | None = None, authority: str | None = None
) -> list[Any]:
    with db.read() as conn:
        rows = list(conn.execute(_query_rows(record_ids, record_id, authority)).all())
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
        # The deadline the rating set (stored with it, moved by a re-rating); computed for a rating not yet dated.
        due = dt.datetime.fromtimestamp(row.due_at, dt.UTC) if row.due_at else scales.due(received, row.rating)
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
    items = _items(_rows(db, None, record_id, authority), timescales, now, per_authority or {})
    return items[0] if items else None


_WORKER: Final = users.alias("queue_worker")
# Only the joins a page needs: ``records`` (large rows: a join to it is most of a scan's cost) for an authority's
# scope, the worker's user row for a filter by worker.
_FACTS: Final = referral_facts.outerjoin(screenings, screenings.c.record_id == referral_facts.c.record_id)
_SCOPED_FACTS: Final = _FACTS.join(records, records.c.record_id == referral_facts.c.record_id)


def _from(authority: str | None, filters: Filters | None = None) -> Any:
    joined = _FACTS if authority is None else _SCOPED_FACTS
    if filters is not None and filters.worker not in ("", "none"):
        joined = joined.outerjoin(_WORKER, _WORKER.c.user_id == screenings.c.worker_id)
    return joined


_RATING_ORDER: Final = sa.case(*((screenings.c.rating == r, n) for n, r in enumerate(RATINGS)), else_=len(RATINGS))
# Most urgent first: anything with a deadline by its deadline, then the unrated oldest first, then the rest (blue)
# newest first. The same order the queue has always had, now in SQL.
_GROUP: Final = sa.case((screenings.c.due_at.is_not(None), 0), (screenings.c.rating.is_(None), 1), else_=2)
_WITHIN: Final = sa.case(
    (screenings.c.due_at.is_not(None), screenings.c.due_at),
    (screenings.c.rating.is_(None), referral_facts.c.received_at),
    else_=-referral_facts.c.received_at,
)
_PRIORITY: Final = (_GROUP, _WITHIN, referral_facts.c.received_at, referral_facts.c.record_id)
_ORDER: Final = {
    "priority": _PRIORITY,
    "received": (referral_facts.c.received_at.desc(), referral_facts.c.record_id),
    "child": (referral_facts.c.child_key, referral_facts.c.received_at, referral_facts.c.record_id),
    "rating": (_RATING_ORDER, *_PRIORITY),
}


def _where(f: Filters, now: float) -> list[Any]:
    where: list[Any] = [referral_facts.c.open.is_(True)]
    if f.authority:
        where.append(referral_facts.c.authority == f.authority)
    if f.rating == "unrated":
        where.append(screenings.c.rating.is_(None))
    elif f.rating:
        where.append(screenings.c.rating == f.rating)
    if f.worker == "none":
        where.append(screenings.c.worker_id.is_(None))
    elif f.worker:
        where.append(_WORKER.c.username == f.worker)
    if f.status:
        where.append(referral_facts.c.status == f.status)
    if f.overdue:
        where.append(screenings.c.due_at <= now)
    return where


def load(
    db: Database,
    timescales: Timescales,
    now: dt.datetime,
    filters: Filters,
    page: int = 1,
    page_size: int = 50,
    authority: str | None = None,
    per_authority: Mapping[str, Timescales] | None = None,
) -> Queue:
    """One page of the open referrals of ``authority`` (every authority for None) that pass ``filters``, in its
    order; the counts by rating (and overdue) are over all its open referrals. Filtering, sorting, counting and
    paging all run in SQL."""
    _queue_facts.catch_up(db, timescales)
    at = now.timestamp()
    is_open = sa.and_(referral_facts.c.open.is_(True), _authorities.scope(authority))
    with db.read() as conn:
        # Every count the page shows from one scan of the open set: by rating, authority and status.
        summary = conn.execute(
            sa.select(
                screenings.c.rating,
                referral_facts.c.authority,
                referral_facts.c.status,
                sa.func.count(),
                sa.func.sum(sa.case((screenings.c.due_at <= at, 1), else_=0)),
            )
            .select_from(_from(authority))
            .where(is_open)
            .group_by(screenings.c.rating, referral_facts.c.authority, referral_facts.c.status)
        ).all()
        where = [*_where(filters, at), _authorities.scope(authority)]
        if filters.unfiltered:
            total = sum(int(n) for *_, n, _ in summary)
        else:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(_from(authority, filters)).where(*where)
            ).scalar_one()
        pages = max(1, -(-total // page_size))
        page = min(max(page, 1), pages)
        ids = list(
            conn.execute(
                sa.select(referral_facts.c.record_id)
                .select_from(_from(authority, filters))
                .where(*where)
                .order_by(*_ORDER.get(filters.sort, _PRIORITY))
                .limit(page_size)
                .offset((page - 1) * page_size)
            ).scalars()
        )
    counts: Counter[str] = Counter()
    for rating, _, _, n, _ in summary:
        counts[rating or "unrated"] += int(n)
    counts["overdue"] = sum(int(late or 0) for *_, late in summary)
    authorities = sorted({authority for _, authority, *_ in summary})
    statuses = list({status for _, _, status, *_ in summary})
    rows = {r.record_id: r for r in _rows(db, ids, None, authority)}
    items = _items([rows[i] for i in ids if i in rows], timescales, now, per_authority or {})
    order = list(STATUS_WORDS)
    statuses.sort(key=lambda s: order.index(s) if s in order else 99)
    return Queue(items, dict(counts), authorities, statuses, total=int(total), page=page, pages=pages)
