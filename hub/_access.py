"""Who may see and write what. The same rules feed SQL filters (pull) and per-record checks (push, attachments).

- health visitor, school nurse: the cases they created or were assigned to, and the records of those cases, except
  information requests and their responses (those go between the hub and the addressee: Caldicott, need to know);
  and the information requests addressed to their team (its organisation code is their ``ods_code``; the request
  names the role of the team's members, so a school nursing team never reads a health visiting team's) and the
  responses to them;
- GP: information requests addressed to their practice (ODS code) and the responses to them;
- hub staff, admin: everything. Only admins manage users and devices (CLI).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from hub._auth import Principal
from hub._tables import case_access, records
from protocol import RecordType, Role

_BETWEEN_HUB_AND_GP: Final = (RecordType.INFO_REQUEST.value, RecordType.RESPONSE.value)
CASEWORKERS: Final = frozenset({Role.HEALTH_VISITOR, Role.SCHOOL_NURSE})

#: What each role may create or change from a device.
WRITABLE: Final[dict[Role, frozenset[RecordType]]] = {
    # A caseworker's response answers a request to their team (hub._push checks the request is addressed to it).
    Role.HEALTH_VISITOR: frozenset(
        {RecordType.CASE, RecordType.PERSON, RecordType.NOTE, RecordType.FORM, RecordType.REFERRAL, RecordType.RESPONSE}
    ),
    Role.SCHOOL_NURSE: frozenset(
        {RecordType.CASE, RecordType.PERSON, RecordType.NOTE, RecordType.FORM, RecordType.REFERRAL, RecordType.RESPONSE}
    ),
    Role.GP: frozenset({RecordType.RESPONSE}),
    Role.HUB_STAFF: frozenset(set(RecordType) - {RecordType.RESPONSE}),
    Role.MANAGER: frozenset(set(RecordType) - {RecordType.RESPONSE}),
    Role.ADMIN: frozenset(set(RecordType) - {RecordType.RESPONSE}),
    Role.COMMISSIONER: frozenset(),  # counts only, in the console; never a record
}


def visible(who: Principal) -> ColumnElement[bool]:
    """A SQL condition on ``records`` true for exactly the rows ``who`` may read."""
    if who.is_staff:
        return sa.true()
    if who.role == Role.GP:
        if not who.ods_code:
            return sa.false()
        return sa.and_(records.c.record_type.in_(_BETWEEN_HUB_AND_GP), records.c.practice_ods == who.ods_code)
    if who.role in CASEWORKERS:
        mine = sa.select(case_access.c.case_id).where(case_access.c.user_id == who.user_id)
        cases = sa.and_(records.c.case_id.in_(mine), records.c.record_type.not_in(_BETWEEN_HUB_AND_GP))
        if not who.ods_code:
            return cases
        team = sa.and_(
            records.c.team == who.ods_code,
            records.c.team_role == who.role.value,
            records.c.record_type.in_(_BETWEEN_HUB_AND_GP),
        )
        return sa.or_(cases, team)
    return sa.false()


def addressed_to(who: Principal, practice_ods: str | None, team: str | None, team_role: str | None) -> bool:
    """Whether a request (or a response) with this address is for ``who``'s practice or team: the one rule both the
    SQL filter above and the per-row checks (push, attachments) follow."""
    if not who.ods_code:
        return False
    if who.role == Role.GP:
        return team is None and practice_ods == who.ods_code
    if who.role in CASEWORKERS:
        return team == who.ods_code and team_role == who.role.value
    return False


def _holds(conn: Connection, case_id: str, user_id: str) -> bool:
    held = sa.exists().where(case_access.c.case_id == case_id, case_access.c.user_id == user_id)
    return bool(conn.execute(sa.select(held)).scalar_one())


def has_case(conn: Connection, who: Principal, case_id: str) -> bool:
    """Staff hold every case; a caseworker the cases granted to them (created or assigned)."""
    return who.is_staff or _holds(conn, case_id, who.user_id)


def case_unclaimed(conn: Connection, case_id: str) -> bool:
    """Nobody holds this case yet and the hub has no record of it: the first writer may claim it."""
    held = sa.exists().where(case_access.c.case_id == case_id)
    seen = sa.exists().where(records.c.case_id == case_id)
    return not conn.execute(sa.select(held | seen)).scalar_one()


def grant(conn: Connection, case_id: str, user_id: str, reason: str, now: float) -> bool:
    """Give a user access to a case; False if they had it already."""
    if _holds(conn, case_id, user_id):
        return False
    conn.execute(sa.insert(case_access).values(case_id=case_id, user_id=user_id, reason=reason, created_at=now))
    return True


def row_visible(who: Principal, row: Mapping[str, Any], has_case: Callable[[str], bool]) -> bool:
    """``visible`` for a row in hand (the push path, where rows may not be written yet)."""
    if who.is_staff:
        return True
    between = row["record_type"] in _BETWEEN_HUB_AND_GP
    if between:
        return addressed_to(who, row["practice_ods"], row.get("team"), row.get("team_role"))
    return who.role in CASEWORKERS and has_case(row["case_id"])
