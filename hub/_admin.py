"""Administration (users, enrolment codes, devices, case assignment, the audit trail): what the CLI calls.

Each function runs in its own transaction and records itself in the audit trail as actor ``cli:<what>``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from hub import _access, _audit, _authorities, _store
from hub._db import Database
from hub._errors import AdminError
from hub._secrets import digest, new_enrol_code, normalise_code
from hub._tables import access_tokens, audit, devices, enrol_codes, refresh_tokens, users
from protocol import Role

_USERNAME: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ODS: Final = re.compile(r"^[A-Z][0-9]{5}$")
_TEAM: Final = re.compile(r"^[A-Z0-9]{3,6}$")  # a health visiting or school nursing team (forms.TeamCode)
_REGISTRATION: Final = re.compile(r"^(?:[0-9]{7}|[0-9]{2}[A-Z][0-9]{4}[A-Z])$")  # GMC number | NMC PIN
CLI_ACTOR: Final = "cli"


@dataclass(frozen=True)
class NewUser:
    user_id: str
    username: str
    created: bool


def create_user(
    db: Database,
    username: str,
    display_name: str,
    role: str,
    organisation: str,
    ods_code: str | None = None,
    *,
    exist_ok: bool = False,
    registration: str | None = None,
    authority: str | None = None,
) -> NewUser:
    """``registration``: the professional registration (GMC number, NMC PIN) a user's records must then name;
    ``authority``: for console users, the local authority (ONS code or key, hub._authorities) they work for."""
    if not _USERNAME.match(username):
        raise AdminError("username: lower-case letters, digits, '.', '_' or '-', at most 64")
    try:
        role_value = Role(role)
    except ValueError:
        raise AdminError(f"role must be one of: {', '.join(r.value for r in Role)}") from None
    if role_value == Role.GP:
        if not ods_code or not _ODS.match(ods_code.upper()):
            raise AdminError("a GP needs --ods: the practice ODS code, one letter and five digits (e.g. A81001)")
        ods_code = ods_code.upper()
    elif role_value in (Role.HEALTH_VISITOR, Role.SCHOOL_NURSE) and ods_code:
        # Their team's organisation code: information requests to the team reach them (hub._access).
        if not _TEAM.match(ods_code.upper()):
            raise AdminError("--ods for a health visitor or school nurse: their team's code, 3 to 6 letters and digits")
        ods_code = ods_code.upper()
    elif ods_code:
        raise AdminError("--ods is only for GPs, health visitors and school nurses")
    if not display_name.strip() or not organisation.strip():
        raise AdminError("display name and organisation must not be empty")
    registration = "".join((registration or "").split()).upper() or None
    if registration is not None and not _REGISTRATION.match(registration):
        raise AdminError("--registration: a 7-digit GMC number or an NMC PIN like 12A3456E")
    if authority is not None:
        found = _authorities.find(authority)
        if found is None:
            raise AdminError(f"--authority: one of {', '.join(a.key for a in _authorities.ALL)}")
        if role_value not in _authorities.SCOPED_ROLES:
            raise AdminError("--authority is only for hub staff, managers, commissioners and admins")
        authority = found.code
    now = time.time()
    with db.write() as conn:
        existing = conn.execute(sa.select(users).where(users.c.username == username)).one_or_none()
        if existing is not None:
            if exist_ok and existing.role == role_value.value:
                return NewUser(existing.user_id, username, created=False)
            raise AdminError(f"user {username!r} already exists (role {existing.role})")
        user_id = str(uuid.uuid4())
        conn.execute(
            sa.insert(users).values(
                user_id=user_id,
                username=username,
                display_name=display_name.strip()[:200],
                role=role_value.value,
                organisation=organisation.strip()[:200],
                ods_code=ods_code,
                registration=registration,
                authority=authority,
                disabled=False,
                created_at=now,
            )
        )
        _audit.record(
            conn,
            at=now,
            actor=CLI_ACTOR,
            action="users.create",
            target=username,
            outcome="ok",
            detail={"role": role_value.value, "organisation": organisation, "ods": ods_code, "authority": authority},
        )
    return NewUser(user_id, username, created=True)


def _user_id(conn: sa.Connection, username: str) -> str:
    user_id = conn.execute(sa.select(users.c.user_id).where(users.c.username == username)).scalar_one_or_none()
    if user_id is None:
        raise AdminError(f"no user {username!r}")
    return str(user_id)


def disable_user(db: Database, username: str) -> None:
    now = time.time()
    with db.write() as conn:
        user_id = _user_id(conn, username)
        conn.execute(sa.update(users).where(users.c.user_id == user_id).values(disabled=True))
        _audit.record(conn, at=now, actor=CLI_ACTOR, action="users.disable", target=username, outcome="ok")


def list_users(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(users).order_by(users.c.username)).mappings().all()
    return [dict(r) for r in rows]


def enrol_code(db: Database, username: str, ttl_s: float = 72 * 3600) -> str:
    """A new one-time enrolment code for ``username``; only its hash is stored."""
    now = time.time()
    code = new_enrol_code()
    with db.write() as conn:
        row = conn.execute(
            sa.select(users.c.user_id, users.c.disabled, users.c.role).where(users.c.username == username)
        ).one_or_none()
        if row is None:
            raise AdminError(f"no user {username!r}")
        if row.disabled:
            raise AdminError(f"user {username!r} is disabled")
        if row.role == Role.COMMISSIONER.value:
            raise AdminError("a commissioner sees counts in the console only: no device can be enrolled for them")
        conn.execute(
            sa.insert(enrol_codes).values(
                code_hash=digest(normalise_code(code)), user_id=row.user_id, expires_at=now + ttl_s, created_at=now
            )
        )
        _audit.record(conn, at=now, actor=CLI_ACTOR, action="enrol_code.issue", target=username, outcome="ok")
    return code


def list_devices(db: Database, username: str | None = None) -> list[dict[str, Any]]:
    query = (
        sa.select(devices, users.c.username)
        .join(users, users.c.user_id == devices.c.user_id)
        .order_by(devices.c.created_at)
    )
    if username:
        query = query.where(users.c.username == username)
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings().all()]


def revoke_device(db: Database, device_id: str) -> None:
    """Revoke a device: its tokens die now and its next contact is answered ``device_revoked``."""
    now = time.time()
    with db.write() as conn:
        found = conn.execute(sa.update(devices).where(devices.c.device_id == device_id).values(revoked_at=now)).rowcount
        if found != 1:
            raise AdminError(f"no device {device_id!r}")
        conn.execute(sa.update(refresh_tokens).where(refresh_tokens.c.device_id == device_id).values(revoked_at=now))
        # Access tokens are kept so the device is told "revoked" (not "invalid") at its next contact.
        conn.execute(sa.update(access_tokens).where(access_tokens.c.device_id == device_id).values(expires_at=now))
        _audit.record(conn, at=now, actor=CLI_ACTOR, action="devices.revoke", target=device_id, outcome="ok")


def assign_case(db: Database, case_id: str, username: str) -> int:
    """Give a user a case; every record of it gets a new seq so their devices pull it. Returns records re-sent."""
    try:
        case_id = str(uuid.UUID(case_id))
    except ValueError:
        raise AdminError("case id must be a UUID") from None
    now = time.time()
    with db.write() as conn:
        row = conn.execute(sa.select(users.c.user_id, users.c.role).where(users.c.username == username)).one_or_none()
        if row is None:
            raise AdminError(f"no user {username!r}")
        if Role(row.role) not in _access.CASEWORKERS:
            raise AdminError("only health visitors and school nurses hold cases")
        if not _access.grant(conn, case_id, row.user_id, "assigned", now):
            return 0
        count = _store.restamp_case(conn, now=now, case_id=case_id)
        _audit.record(
            conn,
            at=now,
            actor=CLI_ACTOR,
            action="cases.assign",
            target=case_id,
            outcome="ok",
            detail={"user": username, "records": count},
        )
    return count


def audit_trail(db: Database, limit: int = 100, actor: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(audit).order_by(audit.c.audit_id.desc()).limit(limit)
    if actor:
        query = query.where(audit.c.actor == actor)
    with db.read() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings().all()]
    for row in rows:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else None
    return list(reversed(rows))
