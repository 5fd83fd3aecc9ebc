"""Hub staff's work: information requests to GP practices and to health visiting and school nursing teams, the
responses, and moving referrals along.

An information request is a record like any other (type ``info_request``), written by the hub with a fresh seq so
the devices of the addressed practice or team pull it; a referral's status is a hub-only column shown in ``Change.hub``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from pydantic import JsonValue

import forms
from hub import _audit, _store
from hub._admin import CLI_ACTOR
from hub._authorship import attested_on_hub
from hub._db import Database
from hub._errors import AdminError
from hub._tables import records, users
from hub._validation import errors, validate
from protocol import RecordType, Role

RAG_HOURS: Final = {"red": 4, "amber": 24, "green": 72}
REFERRAL_STATUSES: Final = ("received", "triaged", "information_requested", "outcome_recorded")


def create_request(
    db: Database,
    *,
    practice_ods: str = "",
    team: tuple[str, str] | None = None,
    child: dict[str, str | None],
    adults: Sequence[dict[str, str | None]],
    rag: str,
    questions: Sequence[str],
    requested_by: str,
    case_id: str | None = None,
    deadline_at: datetime | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Create an information request for a child (and adults) addressed to a GP practice (``practice_ods``) or to a
    team (``team``: its kind, health_visiting or school_nursing, and its organisation code). Returns its summary.
    ``deadline_at``: when the answer is due (the console passes the rating's timescale); else ``RAG_HOURS``.
    ``now``: when it is made (the console's clock, so the deadline and the record's time agree); else the wall clock."""
    rag = rag.lower()
    if rag not in RAG_HOURS:
        raise AdminError("rag must be red, amber or green")
    practice_ods = practice_ods.upper()
    if bool(practice_ods) == (team is not None):
        raise AdminError("address the request to a GP practice or to a team: one of them")
    if team is not None and team[0] not in forms.TEAM_KINDS:
        raise AdminError(f"a team is one of: {', '.join(forms.TEAM_KINDS)}")
    address: dict[str, JsonValue] = (
        {"practice_ods": practice_ods} if team is None else {"team": {"kind": team[0], "code": team[1].upper()}}
    )
    if not questions or not all(q.strip() for q in questions):
        raise AdminError("at least one question, none empty")
    if not child.get("name"):
        raise AdminError("the child's name is required")
    now = time.time() if now is None else now
    deadline = deadline_at or datetime.fromtimestamp(now, UTC) + timedelta(hours=RAG_HOURS[rag])
    record_id = str(uuid.uuid4())
    case = str(uuid.UUID(case_id)) if case_id else str(uuid.uuid4())
    with db.write() as conn:
        staff = conn.execute(sa.select(users).where(users.c.username == requested_by)).first()
        if staff is None or Role(staff.role) not in (Role.HUB_STAFF, Role.MANAGER, Role.ADMIN):
            raise AdminError(f"{requested_by!r} is not a hub staff user")
        fields: dict[str, JsonValue] = {
            "reference": _store.hub_reference(conn, now, prefix="IR"),
            "rag": rag,
            "deadline": deadline.isoformat(),
            **address,
            "child": {k: child.get(k) for k in ("name", "date_of_birth", "nhs_number")},
            "adults": [{k: a.get(k) for k in ("name", "date_of_birth", "relationship")} for a in adults],
            "questions": [q.strip() for q in questions],
            "requested_by": requested_by,
        }
        issues = validate(RecordType.INFO_REQUEST.value, fields, partial=False)
        if errors(issues):
            raise AdminError("; ".join(f"{i.path}: {i.message}" for i in issues if i.severity == "error"))
        _store.insert_record(
            conn,
            now=now,
            record_id=record_id,
            record_type=RecordType.INFO_REQUEST.value,
            case_id=case,
            fields=fields,
            user_id=staff.user_id,
            mutation_id=None,  # its versions are kept: a response may repeat any one a device was given
            extra={
                "practice_ods": practice_ods or None,
                "team": None if team is None else team[1].upper(),
                "team_role": None if team is None else forms.TEAM_KINDS[team[0]],
                "author": attested_on_hub(staff),
            },
        )
        _audit.record(
            conn,
            at=now,
            actor=f"{CLI_ACTOR}:{requested_by}",
            action="requests.create",
            target=record_id,
            outcome="ok",
            detail={"practice": practice_ods or None, "team": address.get("team"), "rag": rag},
        )
    return {"record_id": record_id, "case_id": case, **fields}


def _listing(db: Database, query: sa.Select[Any], action: str) -> list[dict[str, Any]]:
    with db.write() as conn:
        rows = [dict(r) for r in conn.execute(query.order_by(records.c.seq)).mappings().all()]
        _audit.record(
            conn,
            at=time.time(),
            actor=CLI_ACTOR,
            action=action,
            outcome="ok",
            detail={"records": [r["record_id"] for r in rows]},
        )
    for row in rows:
        row["fields"] = json.loads(row["fields"])
    return rows


def list_requests(db: Database, practice_ods: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(records).where(records.c.record_type == RecordType.INFO_REQUEST.value)
    if practice_ods:
        query = query.where(records.c.practice_ods == practice_ods.upper())
    return _listing(db, query, "requests.list")


def list_responses(db: Database, request_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(records).where(records.c.record_type == RecordType.RESPONSE.value)
    if request_id:
        query = query.where(records.c.request_id == request_id)
    return _listing(db, query, "responses.list")


def list_referrals(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(records).where(records.c.record_type == RecordType.REFERRAL.value)
    if status:
        query = query.where(records.c.status == status)
    return _listing(db, query, "referrals.list")


def move_referral(db: Database, ref_or_id: str, status: str, by: str = CLI_ACTOR) -> str:
    """Move a referral (by hub reference or record id) to a later status; the referrer's devices pull it."""
    if status not in REFERRAL_STATUSES:
        raise AdminError(f"status must be one of: {', '.join(REFERRAL_STATUSES)}")
    now = time.time()
    with db.write() as conn:
        row = conn.execute(
            sa.select(records.c.record_id, records.c.status).where(
                records.c.record_type == RecordType.REFERRAL.value,
                sa.or_(records.c.receipt_ref == ref_or_id, records.c.record_id == ref_or_id),
            )
        ).one_or_none()
        if row is None:
            raise AdminError(f"no referral {ref_or_id!r}")
        old = row.status or REFERRAL_STATUSES[0]
        if REFERRAL_STATUSES.index(status) <= REFERRAL_STATUSES.index(old):
            raise AdminError(f"referral is {old}: it can only move forward ({' -> '.join(REFERRAL_STATUSES)})")
        _store.touch(conn, now=now, record_id=row.record_id, status=status)
        _audit.record(
            conn,
            at=now,
            actor=by,
            action="referrals.move",
            target=row.record_id,
            outcome="ok",
            detail={"from": old, "to": status},
        )
    return str(row.record_id)
