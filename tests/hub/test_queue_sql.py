"""The queue's filtering, sorting, counting and paging in SQL (hub._queue over hub._queue_facts), on SQLite and
PostgreSQL: each filter alone, each order, counts by rating over all open referrals, and a closed referral leaving."""

from __future__ import annotations

import datetime as dt

from hub import _queue, _screening
from hub._signin import Staff
from hub._store import touch
from hub._timescales import Timescales
from protocol import Role
from tests.hub.conftest import Clock, Hub
from tests.hub.console.conftest import push_referral


def _staff(hub: Hub, username: str, role: str = "hub_staff") -> Staff:
    return Staff(hub.user(username, role), username, username.upper(), Role(role), "Devon MASH")


def _load(hub: Hub, clock: Clock, **filters: object) -> _queue.Queue:
    now = dt.datetime.fromtimestamp(clock.now, dt.UTC)
    page = int(filters.pop("page", 1))  # type: ignore[call-overload]
    size = int(filters.pop("size", 50))  # type: ignore[call-overload]
    return _queue.load(hub.db, Timescales(), now, _queue.Filters(**filters), page, size)  # type: ignore[arg-type]


def test_filters_sorts_counts_and_pages_run_in_sql(hub: Hub, clock: Clock) -> None:
    ann = _staff(hub, "ann")
    _staff(hub, "bob")
    made = []
    for case in (
        {"child_name": "Zed Young", "postcode": "PL1 1AA"},
        {"child_name": "Amy Old"},
        {"child_name": "Mo Middle"},
        {"child_name": "Bo Blue"},
    ):
        made.append(push_referral(hub, case))
        clock.advance(60)
    zed, amy, mo, blue = made
    _screening.rate(hub.db, ann, zed, "green")
    _screening.rate(hub.db, ann, amy, "red")
    _screening.rate(hub.db, ann, blue, "blue")
    _screening.assign(hub.db, ann, amy, "bob")

    everything = _load(hub, clock)
    assert everything.total == 4
    assert everything.counts == {"red": 1, "green": 1, "blue": 1, "unrated": 1, "overdue": 0}
    # Most urgent first: red (4 hours) before green (72 working hours), then the unrated, then blue.
    assert [i.record_id for i in everything.items] == [amy, zed, mo, blue]
    assert [i.view.child_name for i in _load(hub, clock, sort="child").items] == [
        "Amy Old",
        "Bo Blue",
        "Mo Middle",
        "Zed Young",
    ]
    assert [i.record_id for i in _load(hub, clock, sort="received").items] == [blue, mo, amy, zed]
    assert [i.rating for i in _load(hub, clock, sort="rating").items] == ["red", "green", "blue", None]

    assert [i.record_id for i in _load(hub, clock, rating="unrated").items] == [mo]
    assert [i.record_id for i in _load(hub, clock, rating="green").items] == [zed]
    assert [i.record_id for i in _load(hub, clock, worker="bob").items] == [amy]
    assert {i.record_id for i in _load(hub, clock, worker="none").items} == {zed, mo, blue}
    plymouth = [a for a in everything.authorities if "Plymouth" in a]
    assert plymouth, everything.authorities
    assert [i.record_id for i in _load(hub, clock, authority=plymouth[0]).items] == [zed]
    assert {i.record_id for i in _load(hub, clock, status="received").items} == {mo}
    assert _load(hub, clock, overdue=True).total == 0

    pages = [_load(hub, clock, page=n, size=3) for n in (1, 2, 9)]
    assert [len(p.items) for p in pages] == [3, 1, 1]  # a page past the end is the last page
    assert pages[2].page == 2

    # A referral whose outcome is recorded leaves the queue (its new seq carries the status to the facts).
    with hub.db.write() as conn:
        touch(conn, now=0.0, record_id=amy, status="outcome_recorded")
    after = _load(hub, clock)
    assert amy not in [i.record_id for i in after.items]
    assert after.counts.get("red", 0) == 0


def test_overdue_is_the_stored_deadline_past_now(hub: Hub, clock: Clock) -> None:
    ann = _staff(hub, "ann")
    late = push_referral(hub)
    push_referral(hub)
    _screening.rate(hub.db, ann, late, "red")
    later = dt.datetime.fromtimestamp(clock.now, dt.UTC) + dt.timedelta(hours=5)
    queue = _queue.load(hub.db, Timescales(), later, _queue.Filters(overdue=True))
    assert [i.record_id for i in queue.items] == [late]
    assert queue.counts["overdue"] == 1
    assert queue.items[0].time_left.startswith("Overdue by")
