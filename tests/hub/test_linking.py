"""Linking on the push path and by staff, on SQLite and PostgreSQL: a referral links to the child the hub knows,
a linking fault never refuses a push, possible matches are confirmed or rejected with a reason, every link can be
undone, and each choice is audited. Also the repeat-referral flag and the chronology's order."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from hub import _chronology, _known, _linking
from hub._linking_tables import child_links, possible_matches
from hub._screening import ScreeningError
from hub._signin import Staff
from hub._tables import audit, records
from protocol import Role
from tests.hub._records import form_fields
from tests.hub.conftest import Hub
from tests.hub.console.conftest import push_referral


def _staff(hub: Hub, username: str = "staff1") -> Staff:
    user_id = hub.user(username, "hub_staff")
    return Staff(user_id, username, username.upper(), Role.HUB_STAFF, "Devon MASH")


def about(name: str, dob: str, postcode: str = "TQ1 2AB", nhs: str | None = None, **child: Any) -> dict[str, Any]:
    """A case about one child, and the school nurse's form naming the same child."""
    form = form_fields(by="HV1")
    answers = json.loads(json.dumps(form["answers"]))
    first = answers["children"][0]
    first.update(child_name=name, date_of_birth=dob, postcode=postcode, **child)
    if nhs:
        first["nhs_number"] = nhs
    else:
        first.pop("nhs_number", None)
        first["nhs_number_not_known"] = True
    answers["children"] = [first]
    case: dict[str, Any] = {"child_name": name, "date_of_birth": dob, "postcode": postcode}
    if nhs:
        case.update(nhs_number=nhs, nhs_number_not_known=False)
    return {"case": case, "form": {**form, "answers": answers}}


def push(hub: Hub, **kw: Any) -> str:
    spec = about(**kw)
    return push_referral(hub, spec["case"], form=spec["form"])


def children_of(hub: Hub, record_id: str) -> set[str]:
    with hub.db.read() as conn:
        return set(
            conn.execute(
                sa.select(child_links.c.child_id).where(
                    child_links.c.item_id == record_id, child_links.c.undone_at.is_(None)
                )
            ).scalars()
        )


def actions(hub: Hub) -> list[str]:
    with hub.db.read() as conn:
        return list(conn.execute(sa.select(audit.c.action).order_by(audit.c.audit_id)).scalars())


def test_a_second_referral_links_to_the_same_child_by_name_dob_and_postcode(hub: Hub) -> None:
    first = push(hub, name="Maisie Trelawny", dob="2016-04-09")
    second = push(hub, name="Masie Trelawny", dob="2016-09-04")  # a typo and a swapped date
    other = push(hub, name="Maisie Trelawny", dob="2009-01-30")  # same name, another child
    assert len(children_of(hub, first)) == 1
    assert children_of(hub, first) == children_of(hub, second)
    assert children_of(hub, other).isdisjoint(children_of(hub, first))
    with hub.db.read() as conn:
        known = _known.known(conn, second, viewer_authority=None, rule=_known.RepeatRule())
    assert [e.record_id for e in known.earlier] == [first]
    assert known.earlier[0].outcome == "No decision yet"


def test_an_nhs_number_links_whatever_the_name(hub: Hub) -> None:
    first = push(hub, name="Jo Pengelly", dob="2015-01-01", nhs="9434765919")
    second = push(hub, name="Joanne Smith", dob="2015-02-02", postcode="PL1 1AA", nhs="9434765919")
    assert children_of(hub, first) == children_of(hub, second)
    with hub.db.read() as conn:
        how = conn.execute(sa.select(child_links.c.how).where(child_links.c.item_id == second)).scalar()
    assert how == "nhs_number"


def test_a_linking_fault_never_refuses_or_loses_a_push(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("linking is broken")

    monkeypatch.setattr(_linking, "link_referral", broken)
    record_id = push(hub, name="Ruby Carne", dob="2017-06-06")  # push_referral asserts both were applied
    with hub.db.read() as conn:
        assert conn.execute(sa.select(records.c.record_id).where(records.c.record_id == record_id)).first()
    assert children_of(hub, record_id) == set()  # stored, unlinked: staff can link it by hand


def _possible(hub: Hub) -> tuple[str, str, str]:
    """Two referrals that may be one child (a typo, a swapped date and a move at once): the open match."""
    first = push(hub, name="William Hartley", dob="2015-03-07", postcode="EX4 6PX")
    second = push(hub, name="Willaim Hartley", dob="2015-07-03", postcode="PL4 8AA")
    assert children_of(hub, first) != children_of(hub, second)  # nothing merged silently
    with hub.db.read() as conn:
        match_id = conn.execute(sa.select(possible_matches.c.match_id)).scalar_one()
    return first, second, match_id


def test_confirm_a_possible_match_with_a_reason_audited(hub: Hub) -> None:
    first, second, match_id = _possible(hub)
    staff = _staff(hub)
    with pytest.raises(ScreeningError, match="Enter why"):
        _linking.confirm(hub.db, staff, match_id, "  ", now=1.0)
    _linking.confirm(hub.db, staff, match_id, "Same school and mother", now=2.0)
    assert children_of(hub, first) == children_of(hub, second)
    with pytest.raises(ScreeningError, match="already been decided"):
        _linking.reject(hub.db, staff, match_id, "changed my mind", now=3.0)
    with hub.db.read() as conn:
        undone = conn.execute(
            sa.select(child_links.c.undone_by, child_links.c.how).where(
                child_links.c.item_id == second, child_links.c.undone_at.is_not(None)
            )
        ).one()
        decided = conn.execute(sa.select(possible_matches)).one()
    assert tuple(undone) == ("staff1", "new_child")
    assert (decided.status, decided.decided_by, decided.reason) == ("confirmed", "staff1", "Same school and mother")
    assert "console.link_confirmed" in actions(hub)


def test_reject_keeps_two_children_and_undo_gives_the_item_its_own_child(hub: Hub) -> None:
    first, second, match_id = _possible(hub)
    staff = _staff(hub)
    _linking.reject(hub.db, staff, match_id, "Different mother", now=1.0)
    assert children_of(hub, first) != children_of(hub, second)
    third = push(hub, name="Bill Hartley", dob="2015-03-07", postcode="EX4 6PX")  # a sure match to the first
    assert children_of(hub, third) == children_of(hub, first)
    with hub.db.read() as conn:
        link_id = conn.execute(sa.select(child_links.c.link_id).where(child_links.c.item_id == third)).scalar_one()
    new_child = _linking.undo(hub.db, staff, link_id, "Bill is his cousin", now=2.0)
    assert children_of(hub, third) == {new_child}
    with pytest.raises(ScreeningError, match="already been undone"):
        _linking.undo(hub.db, staff, link_id, "again", now=3.0)
    assert {"console.link_rejected", "console.link_undone"} <= set(actions(hub))
    nurse = Staff("x", "nurse1", "N", Role.SCHOOL_NURSE, "School")
    with pytest.raises(ScreeningError, match="Only MASH staff"):
        _linking.undo(hub.db, nurse, link_id, "why", now=4.0)


def test_repeat_referrals_are_flagged(hub: Hub) -> None:
    ids = [push(hub, name="Kit Rowe", dob="2018-08-08") for _ in range(4)]
    other = push(hub, name="Ada Quick", dob="2012-12-01")
    day = _known.DAY
    with hub.db.write() as conn:  # written 1, 2, 3 and 200 days in: the fourth is past the window of the first
        for record_id, at in zip(ids, (1 * day, 2 * day, 3 * day, 200 * day), strict=True):
            conn.execute(child_links.update().where(child_links.c.item_id == record_id).values(happened_at=at))
    with hub.db.read() as conn:
        assert _known.flagged(conn, [*ids, other], _known.RepeatRule(contacts=3, days=90)) == {ids[2]}
        assert _known.flagged(conn, ids, _known.RepeatRule(contacts=4, days=90)) == set()
        assert _known.flagged(conn, ids, _known.RepeatRule(contacts=4, days=365)) == {ids[3]}


def test_the_chronology_is_in_the_order_things_happened(hub: Hub) -> None:
    first = push(hub, name="Nell Tamar", dob="2019-02-02")
    second = push(hub, name="Nell Tamar", dob="2019-02-02")
    (child_id,) = children_of(hub, first)
    with hub.db.write() as conn:  # the second was written earlier than the first, though it synced later
        conn.execute(child_links.update().where(child_links.c.item_id == second).values(happened_at=1000.0))
    with hub.db.read() as conn:
        found = _chronology.load(conn, child_id, viewer_authority=None)
        hidden = _chronology.load(conn, child_id, viewer_authority="Another Council")
    assert found is not None
    assert hidden is not None
    referrals = [e for e in found.events if e.what == "Referral"]
    assert [e.href for e in referrals] == [f"/console/referrals/{second}", f"/console/referrals/{first}"]
    assert referrals[0].agency == "School nursing"
    assert {e.what for e in hidden.events} == {"Known to another MASH"}  # no content across authorities
