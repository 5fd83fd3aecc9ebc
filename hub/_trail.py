"""Reading the audit trail in the console: a referral's, or a user's. Managers and admins only (checked here), and
reading it is itself recorded."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from hub import _audit
from hub._db import Database
from hub._signin import Staff
from hub._tables import audit

LIMIT: Final = 500


class Forbidden(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    at: float
    actor: str
    action: str
    target: str | None
    outcome: str
    before: str
    after: str


def _words(value: Any) -> str:
    return "" if value is None else str(value)[:200]


def trail(db: Database, actor: Staff, *, record_id: str = "", username: str = "") -> list[Entry]:
    """The newest ``LIMIT`` entries about a record (its target) or by a user (its actor), newest first."""
    if not actor.is_manager:
        raise Forbidden("Only a MASH manager or an admin can read the audit trail.")
    query = sa.select(audit).order_by(audit.c.audit_id.desc()).limit(LIMIT)
    if record_id:
        query = query.where(audit.c.target == record_id[:200])
    if username:
        query = query.where(audit.c.actor == username[:64])
    with db.write(urgent=True) as conn:
        rows = conn.execute(query).all()
        _audit.record(
            conn,
            at=time.time(),
            actor=actor.username,
            action="console.audit",
            outcome="ok",
            target=record_id or username or None,
            detail={"record": record_id, "user": username},
        )
    out = []
    for row in rows:
        try:
            detail = json.loads(row.detail) if row.detail else {}
        except ValueError:
            detail = {}
        detail = detail if isinstance(detail, dict) else {}
        out.append(
            Entry(
                row.at,
                row.actor,
                row.action,
                row.target,
                row.outcome,
                _words(detail.get("from")),
                _words(detail.get("to")),
            )
        )
    return out
