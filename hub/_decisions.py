"""The MASH decision on a referral and the outcome sent back to the referrer.

A worker records a decision (one of ``DECISIONS``) with a rationale; where the hub requires it
(``Settings.decisions_need_sign_off``) a MASH manager signs it off, and only then does the outcome go out. The
outcome reaches the referrer's device as a hub-written case note headed "What happens next", in plain words with
the time of the decision, and the referral's status becomes ``outcome_recorded`` (it leaves the queue). Both are
ordinary records with new seqs, so the device pulls them with no change to the protocol.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hub import _authorities, _store
from hub._console_tables import screenings
from hub._db import Database
from hub._screening import Forbidden, ScreeningError, record_event
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import records
from protocol import RecordType

DECISIONS: Final = {
    "nfa": "No further action",
    "advice": "Advice and information",
    "early_help": "Early help",
    "s17": "A children's social care assessment (section 17)",
    "s47": "A strategy discussion (section 47)",
    "already_open": "Already open to children's social care: passed to the allocated worker",
    "transfer": "Transfer to another local authority",
}
NEXT_STEPS: Final = {
    "nfa": "The MASH will take no further action. Carry on supporting the family as you were.",
    "advice": "The MASH has given advice and information. Carry on supporting the family as you were.",
    "early_help": "The family will be offered early help. The early help team will contact them.",
    "s17": "Children's social care will assess the child's needs (section 17). A social worker will contact the "
    "family.",
    "s47": "A strategy discussion will be held (section 47). You may be asked to attend or to share more.",
    "already_open": "The child is already open to children's social care. The allocated social worker has been told.",
    "transfer": "The referral has been passed to another local authority, which will contact you if needed.",
}
MAX_RATIONALE: Final = 5000


def _when(at: float, tz: ZoneInfo) -> str:
    local = dt.datetime.fromtimestamp(at, dt.UTC).astimezone(tz)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def decide(
    db: Database,
    actor: Staff,
    record_id: str,
    decision: str,
    rationale: str,
    *,
    now: float,
    need_sign_off: bool,
    tz: ZoneInfo,
) -> bool:
    """Record a decision; returns True if the outcome went to the referrer now (no sign-off needed)."""
    if actor.role not in CONSOLE_ROLES:
        raise Forbidden("", "Only MASH staff can record a decision.")
    if decision not in DECISIONS:
        raise ScreeningError("decision", "Select a decision.")
    why = (rationale or "").strip()
    if not why:
        raise ScreeningError("decision_rationale", "Enter the reason for the decision.")
    if len(why) > MAX_RATIONALE:
        raise ScreeningError("decision_rationale", f"The reason must be {MAX_RATIONALE} characters or fewer.")
    with db.write() as conn:
        row = _referral(conn, record_id, actor)
        if row.decision is not None and row.signed_off_at is not None:
            raise ScreeningError("decision", "The outcome has already been sent. Add a note instead.")
        _ensure_screening(conn, record_id, now)
        conn.execute(
            sa.update(screenings)
            .where(screenings.c.record_id == record_id)
            .values(
                decision=decision,
                decision_rationale=why,
                decided_by=actor.username,
                decided_at=now,
                signed_off_by=None,
                signed_off_at=None,
                updated_at=now,
            )
        )
        record_event(
            conn, now=now, actor=actor, record_id=record_id, action="decide", before=row.decision, after=decision,
            text=why,
        )  # fmt: skip
        if need_sign_off and not actor.is_manager:
            return False
        _send_outcome(conn, actor, record_id, decision, now, tz)
        return True


def sign_off(db: Database, actor: Staff, record_id: str, *, now: float, tz: ZoneInfo) -> None:
    """A manager agrees the proposed decision: the outcome goes to the referrer."""
    if not actor.is_manager:
        raise Forbidden("", "Only a MASH manager can sign off a decision.")
    with db.write() as conn:
        row = _referral(conn, record_id, actor)
        if row.decision is None:
            raise ScreeningError("decision", "There is no decision to sign off yet.")
        if row.signed_off_at is not None:
            raise ScreeningError("decision", "This decision has already been signed off.")
        _send_outcome(conn, actor, record_id, row.decision, now, tz)


def _referral(conn: sa.Connection, record_id: str, actor: Staff) -> Any:
    row = conn.execute(
        sa.select(
            records.c.record_id,
            records.c.routed_to,
            records.c.case_id,
            records.c.created_by,
            screenings.c.decision,
            screenings.c.decided_at,
            screenings.c.signed_off_at,
        )
        .outerjoin(screenings, screenings.c.record_id == records.c.record_id)
        .where(records.c.record_id == record_id, records.c.record_type == RecordType.REFERRAL.value)
    ).first()
    if row is None or not _authorities.may_act(actor.authority, row.routed_to):
        raise ScreeningError("", "There is no such referral.")
    return row


def _ensure_screening(conn: sa.Connection, record_id: str, now: float) -> None:
    if conn.execute(sa.select(screenings.c.record_id).where(screenings.c.record_id == record_id)).first() is None:
        conn.execute(sa.insert(screenings).values(record_id=record_id, already_open=False, updated_at=now))


def outcome_words(decision: str, decided_at: float, tz: ZoneInfo) -> str:
    return (
        f"What happens next: {DECISIONS[decision]}. {NEXT_STEPS[decision]} "
        f"(MASH decision made at {_when(decided_at, tz)}.)"
    )


def _send_outcome(conn: sa.Connection, actor: Staff, record_id: str, decision: str, now: float, tz: ZoneInfo) -> None:
    row = _referral(conn, record_id, actor)
    decided_at = row.decided_at or now
    conn.execute(
        sa.update(screenings)
        .where(screenings.c.record_id == record_id)
        .values(signed_off_by=actor.username, signed_off_at=now, updated_at=now)
    )
    # The referrer's device holds the case: a note on it is pulled there (the protocol needs nothing new).
    _store.insert_record(
        conn,
        now=now,
        record_id=str(uuid.uuid4()),
        record_type=RecordType.NOTE.value,
        case_id=row.case_id,
        fields={
            "text": outcome_words(decision, decided_at, tz),
            "author": "MASH",
            "written_at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(),
        },
        user_id=actor.user_id,
        mutation_id=None,
        keep_versions=False,
    )
    _store.touch(conn, now=now, record_id=record_id, status="outcome_recorded")
    record_event(conn, now=now, actor=actor, record_id=record_id, action="outcome_sent", after=decision)
