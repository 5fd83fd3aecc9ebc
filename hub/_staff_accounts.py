"""Console accounts, managed by admins in the console: create a staff account, reset a second factor, list them.

Authorisation is checked here (the acting ``Staff`` must be an admin), so the console, the CLI and the tests all go
through the same rule.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from hub import _admin, _audit, _signin
from hub._console_tables import staff_credentials
from hub._db import Database
from hub._errors import AdminError
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import users
from protocol import Role


class Forbidden(AdminError):
    """The acting user may not do this."""


def _admin_only(actor: Staff) -> None:
    if not actor.is_admin:
        raise Forbidden("only an admin can manage console accounts")


def create_staff(
    db: Database, actor: Staff, *, username: str, display_name: str, role: str, organisation: str, password: str
) -> str:
    """A new console user with a first password; they set up their second factor at first sign-in."""
    _admin_only(actor)
    if role not in {r.value for r in CONSOLE_ROLES}:
        raise AdminError("Choose hub staff, manager or admin.")
    if len(password) < _signin.MIN_PASSWORD:
        raise AdminError(f"A password needs at least {_signin.MIN_PASSWORD} characters.")
    new = _admin.create_user(db, username, display_name, role, organisation)
    _signin.set_password(db, username, password, actor=actor.username)
    return new.user_id


def reset_second_factor(db: Database, actor: Staff, username: str) -> None:
    _admin_only(actor)
    now = time.time()
    with db.write() as conn:
        row = conn.execute(sa.select(users.c.user_id, users.c.role).where(users.c.username == username)).first()
        if row is None or Role(row.role) not in CONSOLE_ROLES:
            raise AdminError(f"no console user {username!r}")
        _signin.reset_second_factor(conn, row.user_id, now)
        _audit.record(
            conn, at=now, actor=actor.username, action="signin.reset_second_factor", target=username, outcome="ok"
        )


def list_staff(db: Database, actor: Staff) -> list[dict[str, Any]]:
    _admin_only(actor)
    query = (
        sa.select(
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.organisation,
            users.c.disabled,
            staff_credentials.c.totp_sealed.is_not(None).label("has_second_factor"),
            staff_credentials.c.locked_until,
        )
        .outerjoin(staff_credentials, staff_credentials.c.user_id == users.c.user_id)
        .where(users.c.role.in_([r.value for r in CONSOLE_ROLES]))
        .order_by(users.c.username)
    )
    with db.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
