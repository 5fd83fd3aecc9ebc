"""Each rule of hub/_access.py on its own, for every role: a table of records, who may read each (the SQL filter for
pull and the per-row check for push must agree), who holds and who may claim a case, and what each role may write.
Expected values are written out by hand: a rule weakened or removed changes one of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa

from hub import _access
from hub._auth import Principal
from hub._db import Database
from hub._migrations import migrate
from hub._store import new_row
from hub._tables import case_access, records
from protocol import RecordType, Role


def _id(n: int) -> str:
    return str(uuid.UUID(int=n))


HV1, HV2, NURSE, GP_USER, STAFF = _id(1), _id(2), _id(3), _id(4), _id(5)
CASE_A, CASE_B, CASE_C, CASE_D, CASE_E, CASE_NEW = _id(101), _id(102), _id(103), _id(104), _id(105), _id(106)


def who(role: Role | str, user_id: str = _id(99), ods: str | None = None) -> Principal:
    return Principal(user_id=user_id, username=f"u{user_id[-2:]}", role=cast(Role, role), organisation="Devon MASH",
                     ods_code=ods, device_id=_id(900), display_name="Someone")  # fmt: skip


PEOPLE = {
    "hv1": who(Role.HEALTH_VISITOR, HV1),  # holds A (created) and B (assigned)
    "hv2": who(Role.HEALTH_VISITOR, HV2),  # holds C
    "nurse": who(Role.SCHOOL_NURSE, NURSE),  # holds D
    "gp_a": who(Role.GP, GP_USER, "A81001"),
    "gp_b": who(Role.GP, GP_USER, "B82002"),
    "gp_none": who(Role.GP, GP_USER, None),  # a GP account without a practice sees nothing
    "staff": who(Role.HUB_STAFF, STAFF),
    "admin": who(Role.ADMIN, STAFF),
    "commissioner": who("commissioner"),  # a role these rules do not know: nothing, never everything
}

# name: (record type, case, practice)
ROWS: dict[str, tuple[str, str, str | None]] = {
    "case_a": ("case", CASE_A, None),
    "note_a": ("note", CASE_A, None),
    "referral_a": ("referral", CASE_A, None),
    "request_a": ("info_request", CASE_A, "A81001"),
    "response_a": ("response", CASE_A, "A81001"),
    "note_a_tagged": ("note", CASE_A, "A81001"),  # a practice on a note gives the GP nothing: the type decides
    "case_b": ("case", CASE_B, None),
    "form_b": ("form", CASE_B, None),
    "request_b": ("info_request", CASE_B, "B82002"),
    "case_c": ("case", CASE_C, None),
    "person_c": ("person", CASE_C, None),
    "case_d": ("case", CASE_D, None),
    "referral_d": ("referral", CASE_D, None),
    "case_e": ("case", CASE_E, None),  # created by hub staff: nobody holds it
}
ALL = set(ROWS)
SEES = {
    "hv1": {"case_a", "note_a", "referral_a", "note_a_tagged", "case_b", "form_b"},  # both cases, no GP traffic
    "hv2": {"case_c", "person_c"},
    "nurse": {"case_d", "referral_d"},
    "gp_a": {"request_a", "response_a"},
    "gp_b": {"request_b"},
    "gp_none": set(),
    "staff": ALL,
    "admin": ALL,
    "commissioner": set(),
}


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sa.Connection]:
    db = Database(f"sqlite:///{tmp_path / 'hub.sqlite3'}", pool_size=1)
    migrate(db)
    with db.write() as conn:
        for seq, (name, (record_type, case_id, ods)) in enumerate(ROWS.items(), start=1):
            row = new_row(now=1.0, record_id=_id(1000 + seq), record_type=record_type, case_id=case_id,
                          fields={"name": name}, user_id=STAFF)  # fmt: skip
            conn.execute(sa.insert(records).values({**row, "seq": seq, "practice_ods": ods}))
        for case_id, user_id, reason in [(CASE_A, HV1, "created"), (CASE_B, HV1, "assigned"), (CASE_C, HV2, "created"),
                                         (CASE_D, NURSE, "created")]:  # fmt: skip
            conn.execute(sa.insert(case_access).values(case_id=case_id, user_id=user_id, reason=reason, created_at=1.0))
        yield conn
    db.dispose()


def _name(fields: str) -> str:
    return str(fields).split('"')[3]  # {"name":"case_a"}


@pytest.mark.parametrize("person", list(PEOPLE))
def test_what_each_role_may_read(conn: sa.Connection, person: str) -> None:
    p = PEOPLE[person]
    pulled = {_name(f) for f in conn.execute(sa.select(records.c.fields).where(_access.visible(p))).scalars()}
    assert pulled == SEES[person]
    # The push path's check of a row in hand says the same, row by row.
    rows = [dict(r) for r in conn.execute(sa.select(records)).mappings()]
    in_hand = {_name(r["fields"]) for r in rows if _access.row_visible(p, r, lambda c: _access.has_case(conn, p, c))}
    assert in_hand == SEES[person]


def test_the_row_check_asks_about_the_row_s_own_case() -> None:
    asked: list[str] = []

    def holds(case_id: str) -> bool:
        asked.append(case_id)
        return case_id == CASE_A

    hv = PEOPLE["hv1"]
    assert _access.row_visible(hv, {"record_type": "note", "case_id": CASE_A, "practice_ods": None}, holds)
    assert not _access.row_visible(hv, {"record_type": "note", "case_id": CASE_C, "practice_ods": None}, holds)
    assert asked == [CASE_A, CASE_C]
    asked.clear()  # GP traffic is never a caseworker's, whoever holds the case; and GPs and staff never ask
    assert not _access.row_visible(hv, {"record_type": "response", "case_id": CASE_A, "practice_ods": None}, holds)
    for p in (PEOPLE["gp_a"], PEOPLE["staff"]):
        _access.row_visible(p, {"record_type": "info_request", "case_id": CASE_A, "practice_ods": "A81001"}, holds)
    assert asked == []


@pytest.mark.parametrize(
    ("person", "held"),
    [("hv1", {CASE_A, CASE_B}), ("hv2", {CASE_C}), ("nurse", {CASE_D}), ("gp_a", set()), ("commissioner", set()),
     ("staff", {CASE_A, CASE_B, CASE_C, CASE_D, CASE_E, CASE_NEW}), ("admin", {CASE_A, CASE_B, CASE_C, CASE_D,
     CASE_E, CASE_NEW})],
)  # fmt: skip
def test_who_holds_which_case(conn: sa.Connection, person: str, held: set[str]) -> None:
    cases = {CASE_A, CASE_B, CASE_C, CASE_D, CASE_E, CASE_NEW}
    assert {c for c in cases if _access.has_case(conn, PEOPLE[person], c)} == held


def test_only_a_case_nobody_holds_and_the_hub_never_saw_may_be_claimed(conn: sa.Connection) -> None:
    assert _access.case_unclaimed(conn, CASE_NEW)
    assert not _access.case_unclaimed(conn, CASE_A)  # held by hv1
    assert not _access.case_unclaimed(conn, CASE_E)  # hub staff created it: records, nobody holds it
    # Held but with no records yet (assigned before anything arrived): still not free to claim.
    conn.execute(sa.insert(case_access).values(case_id=_id(107), user_id=HV2, reason="assigned", created_at=1.0))
    assert not _access.case_unclaimed(conn, _id(107))


def test_grant_gives_a_case_once(conn: sa.Connection) -> None:
    assert _access.grant(conn, CASE_NEW, HV2, "created", 5.0) is True
    assert _access.grant(conn, CASE_NEW, HV2, "assigned", 6.0) is False
    assert _access.grant(conn, CASE_NEW, NURSE, "assigned", 7.0) is True  # another user may be given it too
    rows = conn.execute(sa.select(case_access).where(case_access.c.case_id == CASE_NEW).order_by("created_at"))
    assert [(r.user_id, r.reason, r.created_at) for r in rows] == [(HV2, "created", 5.0), (NURSE, "assigned", 7.0)]
    assert _access.has_case(conn, PEOPLE["hv2"], CASE_NEW)
    assert not _access.case_unclaimed(conn, CASE_NEW)


CASEWORK = {"case", "person", "note", "form", "referral"}


def test_what_each_role_may_write() -> None:
    writable: dict[Role, Any] = {role: {t.value for t in types} for role, types in _access.WRITABLE.items()}
    assert writable == {
        # a response only to a request addressed to their team (hub._push checks; tests/hub/test_access_teams.py)
        Role.HEALTH_VISITOR: CASEWORK | {"response"},
        Role.SCHOOL_NURSE: CASEWORK | {"response"},  # a school nurse raises referrals too
        Role.GP: {"response"},
        Role.HUB_STAFF: {t.value for t in RecordType} - {"response"},  # only a practice answers for itself
        Role.MANAGER: {t.value for t in RecordType} - {"response"},  # a MASH manager: what hub staff write
        Role.ADMIN: {t.value for t in RecordType} - {"response"},
        Role.COMMISSIONER: set(),  # counts only, in the console; never a record
    }
    assert {Role.HEALTH_VISITOR, Role.SCHOOL_NURSE} == _access.CASEWORKERS
