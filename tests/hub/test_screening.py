"""Screening actions in the core (hub._screening): the rules hold whoever calls them (console, CLI, tests)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import _screening
from hub._console_tables import screenings
from hub._signin import Staff
from hub._tables import records
from protocol import Role
from tests.hub.conftest import Hub
from tests.hub.console.conftest import push_referral


def _staff(hub: Hub, username: str, role: str) -> Staff:
    user_id = hub.user(username, role)
    return Staff(user_id, username, username.upper(), Role(role), "Devon MASH")


def test_a_field_role_is_refused_in_the_core(hub: Hub) -> None:
    record_id = push_referral(hub)
    nurse = _staff(hub, "nurse1", "school_nurse")
    with pytest.raises(_screening.Forbidden):
        _screening.rate(hub.db, nurse, record_id, "red")
    with pytest.raises(_screening.Forbidden):
        _screening.add_note(hub.db, nurse, record_id, "hello")


def test_reassigning_anothers_referral_is_for_managers(hub: Hub) -> None:
    record_id = push_referral(hub)
    ann, bob = _staff(hub, "ann", "hub_staff"), _staff(hub, "bob", "hub_staff")
    boss = _staff(hub, "boss", "manager")
    _screening.assign(hub.db, ann, record_id, "ann")
    with pytest.raises(_screening.Forbidden, match="Only a manager"):
        _screening.assign(hub.db, bob, record_id, "bob")
    _screening.assign(hub.db, boss, record_id, "bob")
    _screening.assign(hub.db, bob, record_id, "ann")  # the named worker may hand it back
    with pytest.raises(_screening.ScreeningError, match="already assigned"):
        _screening.assign(hub.db, boss, record_id, "ann")
    with pytest.raises(_screening.ScreeningError, match="Select a worker"):
        _screening.assign(hub.db, boss, record_id, "hv1")  # a field user is never the MASH's worker
    with hub.db.read() as conn:
        events = [(e.action, e.from_value, e.to_value) for e in _screening.history(conn, record_id)]
    assert events == [("assign", None, "ann"), ("reassign", "ann", "bob"), ("reassign", "bob", "ann")]


def test_rating_rules_and_the_referrers_device_sees_triaged(hub: Hub) -> None:
    record_id = push_referral(hub)
    ann = _staff(hub, "ann", "hub_staff")
    with hub.db.read() as conn:
        before = conn.execute(sa.select(records.c.seq, records.c.status).where(records.c.record_id == record_id)).one()
    with pytest.raises(_screening.ScreeningError, match="Select a rating"):
        _screening.rate(hub.db, ann, record_id, "purple")
    _screening.rate(hub.db, ann, record_id, "green")
    with pytest.raises(_screening.ScreeningError, match="already rated green"):
        _screening.rate(hub.db, ann, record_id, "green", "same again")
    with pytest.raises(_screening.ScreeningError, match="Enter why"):
        _screening.rate(hub.db, ann, record_id, "red")
    _screening.rate(hub.db, ann, record_id, "red", "New information from the school")
    with hub.db.read() as conn:
        after = conn.execute(sa.select(records.c.seq, records.c.status).where(records.c.record_id == record_id)).one()
        rating = conn.execute(sa.select(screenings.c.rating).where(screenings.c.record_id == record_id)).scalar_one()
    assert before.status == "received"
    assert after.status == "triaged"
    assert after.seq > before.seq  # pulled again by the referrer's device
    assert rating == "red"


def test_long_text_is_refused_not_truncated(hub: Hub) -> None:
    record_id = push_referral(hub)
    ann = _staff(hub, "ann", "hub_staff")
    with pytest.raises(_screening.ScreeningError, match="5000 characters or fewer"):
        _screening.add_note(hub.db, ann, record_id, "x" * 5001)
    with pytest.raises(_screening.ScreeningError, match="no such referral"):
        _screening.add_note(hub.db, ann, "00000000-0000-0000-0000-000000000000", "note")
