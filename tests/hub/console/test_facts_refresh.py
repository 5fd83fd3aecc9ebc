"""The commissioning facts keep up with the referrals without reading them all again (hub._facts.refresh): each
refresh folds in the referrals that are new since the last, once each, on SQLite and PostgreSQL; a referral whose
seq moves (a status change) is not counted twice; one already looked at is not looked at again."""

from __future__ import annotations

import sqlalchemy as sa

from hub import _facts, _store
from hub._region_tables import need_facts
from hub._tables import counters
from tests.hub.conftest import Hub
from tests.hub.console.conftest import push_referral


def _refresh(hub: Hub) -> int:
    with hub.db.write() as conn:
        return _facts.refresh(conn, hub.app.state.settings)


def _facts_of(hub: Hub) -> set[str]:
    with hub.db.read() as conn:
        return set(conn.execute(sa.select(need_facts.c.record_id)).scalars())


def test_each_refresh_folds_in_the_new_referrals_once(hub: Hub) -> None:
    first = [push_referral(hub, username=f"hv{i}") for i in range(3)]
    assert _refresh(hub) == 3
    assert _facts_of(hub) == set(first)
    assert _refresh(hub) == 0  # nothing new
    later = [push_referral(hub, username=f"hv{i}") for i in range(2)]
    assert _refresh(hub) == 2
    assert _facts_of(hub) == {*first, *later}
    with hub.db.write() as conn:  # a status change gives the referral a new seq: it is above the mark again
        _store.touch(conn, now=1.0, record_id=first[0], status="information_requested")
    assert _refresh(hub) == 0
    assert len(_facts_of(hub)) == 5


def test_a_referral_below_the_mark_is_not_read_again(hub: Hub) -> None:
    old = push_referral(hub)
    assert _refresh(hub) == 1
    with hub.db.read() as conn:
        mark = conn.execute(sa.select(counters.c.value).where(counters.c.name == "facts_seq")).scalar_one()
        assert 0 < mark <= _store.horizon(conn)
    with hub.db.write() as conn:  # its fact lost (as no hub path does): the refresh no longer looks so far back
        conn.execute(sa.delete(need_facts).where(need_facts.c.record_id == old))
    new = push_referral(hub, username="hv2")
    assert _refresh(hub) == 1
    assert _facts_of(hub) == {new}
