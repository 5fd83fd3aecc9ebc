"""Screening: the MASH staff's actions on a referral, one function each, called by the console, the CLI and tests.

Each function checks who may do it (the acting ``Staff``), runs in one write transaction, keeps the event in the
referral's history (``screening_events``) and in the audit trail (who, what, when, from, to). Rules:

- the rating belongs to the MASH (the referrer's level of need is kept beside it, never replaced); the first rating
  may come without a reason, a change of rating needs a rationale;
- anyone on the console may take an unassigned referral or give it to a colleague; moving it from one named worker
  to another is a manager's decision (or the worker's own, handing it back);
- notes are append-only; "already open to children's social care" names the allocated social worker.

A rating moves the referral's hub status from ``received`` to ``triaged`` (a new seq: the referrer's device sees it).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _audit, _authorities, _deadlines, _store
from hub._console_tables import screening_events, screenings
from hub._db import Database
from hub._errors import AdminError
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import records, users
from hub._timescales import RATINGS, Timescales, when_words
from protocol import RecordType, Role

MAX_TEXT: Final = 5000


class ScreeningError(AdminError):
    """A refused action, with the form field it is about (for the error summary) and a plain message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Forbidden(ScreeningError):
    pass


@dataclass(frozen=True)
class Event:
    at: float
    actor: str
    action: str
    from_value: str | None
    to_value: str | None
    text: str | None


def _check_actor(actor: Staff) -> None:
    if actor.role not in CONSOLE_ROLES:
        raise Forbidden("", "Only MASH staff can screen referrals.")


def _referral(conn: Connection, record_id: str, actor: Staff) -> Any:
    row = conn.execute(
        sa.select(records.c.record_id, records.c.status, records.c.case_id, records.c.routed_to)
        .where(records.c.record_id == record_id, records.c.record_type == RecordType.REFERRAL.value)
        .with_for_update()
    ).first()
    # Another authority's referral is "no such referral" to this user: not even its existence is told.
    if row is None or not _authorities.may_act(actor.authority, row.routed_to):
        raise ScreeningError("", "There is no such referral.")
    return row


def _screening(conn: Connection, record_id: str, now: float) -> Any:
    row = conn.execute(sa.select(screenings).where(screenings.c.record_id == record_id)).first()
    if row is None:
        conn.execute(sa.insert(screenings).values(record_id=record_id, already_open=False, updated_at=now))
        row = conn.execute(sa.select(screenings).where(screenings.c.record_id == record_id)).one()
    return row


def record_event(
    conn: Connection,
    *,
    now: float,
    actor: Staff,
    record_id: str,
    action: str,
    before: str | None = None,
    after: str | None = None,
    text: str | None = None,
) -> None:
    """One step in a referral's history (who, when, from, to, why) and its audit row, in the caller's transaction;
    every staff action (screening, decisions) records itself through here."""
    conn.execute(
        sa.insert(screening_events).values(
            record_id=record_id,
            at=now,
            actor=actor.username,
            action=action,
            from_value=before,
            to_value=after,
            text=text,
        )
    )
    _audit.record(
        conn,
        at=now,
        actor=actor.username,
        action=f"console.{action}",
        target=record_id,
        outcome="ok",
        detail={"from": before, "to": after},
    )


def _clean(text: str | None, field: str, *, required: bool, what: str) -> str | None:
    value = (text or "").strip()
    if not value:
        if required:
            raise ScreeningError(field, f"Enter {what}.")
        return None
    if len(value) > MAX_TEXT:
        raise ScreeningError(field, f"{what[0].upper()}{what[1:]} must be {MAX_TEXT} characters or fewer.")
    return value


def rate(
    db: Database,
    actor: Staff,
    record_id: str,
    rating: str,
    rationale: str | None = None,
    *,
    now: float | None = None,
    timescales: Timescales | None = None,
    per_authority: Mapping[str, Timescales] | None = None,
) -> None:
    """Set or change the MASH's rating (red, amber, green, blue). The rating sets the referral's deadline, in the
    timescales of the referral's own authority (``per_authority``, by ONS code; ``timescales`` otherwise); a change
    also moves the deadlines of its open information requests. Every move is kept in the history."""
    _check_actor(actor)
    hub_scales = timescales or Timescales()
    if rating not in RATINGS:
        raise ScreeningError("rating", "Select a rating.")
    now = time.time() if now is None else now
    with db.write() as conn:
        referral = _referral(conn, record_id, actor)
        here = _authorities.of_referral(referral.routed_to)
        timescales = (per_authority or {}).get(here.code, hub_scales) if here is not None else hub_scales
        current = _screening(conn, record_id, now)
        if current.rating == rating:
            raise ScreeningError("rating", f"The referral is already rated {rating}. Select a different rating.")
        why = _clean(
            rationale, "rationale", required=current.rating is not None, what="why you are changing the rating"
        )
        due = _deadlines.referral_due(conn, record_id, rating, timescales)
        conn.execute(
            sa.update(screenings)
            .where(screenings.c.record_id == record_id)
            .values(rating=rating, rated_at=now, updated_at=now, due_at=due.timestamp() if due else None)
        )
        if (referral.status or "received") == "received":
            _store.touch(conn, now=now, record_id=record_id, status="triaged")
        record_event(
            conn,
            now=now,
            actor=actor,
            record_id=record_id,
            action="rate",
            before=current.rating,
            after=rating,
            text=why,
        )
        tz = timescales.working.tz
        if current.rating is not None:
            before_due = dt.datetime.fromtimestamp(current.due_at, dt.UTC) if current.due_at else None
            if before_due != due:
                record_event(
                    conn,
                    now=now,
                    actor=actor,
                    record_id=record_id,
                    action="deadline",
                    before=when_words(before_due, tz) if before_due else "No timescale",
                    after=when_words(due, tz) if due else "No timescale",
                )
            for moved in _deadlines.move_request_deadlines(
                conn, referral.case_id, rating, timescales, now, actor.user_id
            ):
                record_event(
                    conn,
                    now=now,
                    actor=actor,
                    record_id=record_id,
                    action="request_deadline",
                    before=when_words(moved.before, tz),
                    after=when_words(moved.after, tz),
                    text=moved.reference,
                )


def assign(db: Database, actor: Staff, record_id: str, worker: str, *, now: float | None = None) -> None:
    """Name the worker for a referral (by username). Reassigning someone else's referral is for managers."""
    _check_actor(actor)
    now = time.time() if now is None else now
    with db.write() as conn:
        _referral(conn, record_id, actor)
        target = conn.execute(
            sa.select(users.c.user_id, users.c.username, users.c.role, users.c.disabled, users.c.authority).where(
                users.c.username == worker
            )
        ).first()
        if target is None or target.disabled or Role(target.role) not in CONSOLE_ROLES:
            raise ScreeningError("worker", "Select a worker from the list.")
        if actor.authority is not None and target.authority not in (None, actor.authority):
            raise ScreeningError("worker", "Select a worker from the list.")  # another authority's staff
        current = _screening(conn, record_id, now)
        before = None
        if current.worker_id is not None:
            before = conn.execute(sa.select(users.c.username).where(users.c.user_id == current.worker_id)).scalar()
            if current.worker_id == target.user_id:
                raise ScreeningError("worker", f"The referral is already assigned to {worker}.")
            if not actor.is_manager and current.worker_id != actor.user_id:
                raise Forbidden("worker", "Only a manager can reassign a referral from another worker.")
        conn.execute(
            sa.update(screenings)
            .where(screenings.c.record_id == record_id)
            .values(worker_id=target.user_id, updated_at=now)
        )
        record_event(
            conn,
            now=now,
            actor=actor,
            record_id=record_id,
            action="assign" if before is None else "reassign",
            before=before,
            after=target.username,
        )


def add_note(db: Database, actor: Staff, record_id: str, text: str, *, now: float | None = None) -> None:
    _check_actor(actor)
    note = _clean(text, "note", required=True, what="a note")
    now = time.time() if now is None else now
    with db.write() as conn:
        _referral(conn, record_id, actor)
        _screening(conn, record_id, now)
        record_event(conn, now=now, actor=actor, record_id=record_id, action="note", text=note)


def mark_already_open(
    db: Database, actor: Staff, record_id: str, allocated_worker: str, *, now: float | None = None
) -> None:
    """The child is already open to children's social care: record the allocated social worker."""
    _check_actor(actor)
    name = _clean(allocated_worker, "allocated_worker", required=True, what="the allocated social worker's name")
    assert name is not None
    if len(name) > 200:
        raise ScreeningError("allocated_worker", "The name must be 200 characters or fewer.")
    now = time.time() if now is None else now
    with db.write() as conn:
        _referral(conn, record_id, actor)
        current = _screening(conn, record_id, now)
        conn.execute(
            sa.update(screenings)
            .where(screenings.c.record_id == record_id)
            .values(already_open=True, allocated_worker=name, updated_at=now)
        )
        record_event(
            conn,
            now=now,
            actor=actor,
            record_id=record_id,
            action="already_open",
            before=current.allocated_worker,
            after=name,
        )


def history(conn: Connection, record_id: str) -> list[Event]:
    rows = conn.execute(
        sa.select(screening_events)
        .where(screening_events.c.record_id == record_id)
        .order_by(screening_events.c.event_id)
    )
    return [Event(r.at, r.actor, r.action, r.from_value, r.to_value, r.text) for r in rows]


def audit_view(db: Database, actor: Staff, action: str, target: str | None = None, detail: Any = None) -> None:
    """Record that ``actor`` looked at something (a page, a search, a photograph)."""
    with db.write(urgent=True) as conn:
        _audit.record(
            conn, at=time.time(), actor=actor.username, action=action, target=target, outcome="ok", detail=detail
        )


def workers(db: Database, authority: str | None = None) -> list[tuple[str, str]]:
    """(username, display name) of everyone who can be named worker (for a user of ``authority``: its own staff
    and the regional ones)."""
    query = sa.select(users.c.username, users.c.display_name).where(
        users.c.role.in_([r.value for r in CONSOLE_ROLES]), users.c.disabled.is_(False)
    )
    if authority is not None:
        query = query.where(sa.or_(users.c.authority.is_(None), users.c.authority == authority))
    with db.read() as conn:
        rows = conn.execute(query.order_by(users.c.display_name))
        return [(r.username, r.display_name) for r in rows]
