"""Information requests from the console: ask a GP practice (by ODS code), a health visiting team or a school
nursing team (by the team's organisation code) about a referral's child, with a deadline set by the referral's
rating, and read what came back.

A request is an ``info_request`` record on the referral's case (``hub._staff.create_request``), so the enrolled
devices of the practice's GPs, or of the team's health visitors or school nurses, pull it into their inbox
(``hub._access``); their ``response`` names it (``gp_response`` from a GP, ``team_response`` from a team). Its state
is computed, never stored: answered (a response exists), overdue (past its deadline), on a device (a device of the
addressee has reported a cursor past it: ``hub._delivery``), else sent. A chase is a new version of the request with
the time added to ``chased_at`` (the addressee's devices pull it), kept in the referral's history and the audit
trail.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import forms
from hub import _audit, _authorities, _deadlines, _delivery, _linking, _staff, _store
from hub._console_tables import screening_events, screenings
from hub._db import Database
from hub._errors import AdminError
from hub._screening import Forbidden, ScreeningError, record_event
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import records
from hub._timescales import Timescales, time_left_words
from protocol import RecordType, Role

_ODS: Final = re.compile(r"^[A-Z][0-9]{5}$")
_TEAM: Final = re.compile(r"^[A-Z0-9]{3,6}$")
#: Who a request can go to, in the console's words (the radios' order).
RECIPIENTS: Final = {
    "gp_practice": "GP practice",
    "health_visiting": "Health visiting team",
    "school_nursing": "School nursing team",
}
MAX_QUESTIONS: Final = 20
MAX_QUESTION: Final = 500


@dataclass
class Answer:
    submitted_at: str
    rows: list[tuple[str, str]] = field(default_factory=list)


STATES: Final = ("Sent", "On a device", "Answered", "Overdue")
STATE_TAGS: Final = {
    "Sent": "govuk-tag--blue",
    "On a device": "govuk-tag--turquoise",
    "Answered": "govuk-tag--green",
    "Overdue": "govuk-tag--red",
}


@dataclass
class RequestView:
    record_id: str
    reference: str
    practice_ods: str  # "" for a team's
    deadline: dt.datetime | None
    questions: list[str]
    state: str  # one of STATES
    time_left: str
    answers: list[Answer] = field(default_factory=list)
    on_device: bool = False
    chased: list[dt.datetime] = field(default_factory=list)
    recipient: str = ""  # in words: "GP practice A81001", "Health visiting team RA9HV1"


def recipient_words(practice_ods: str | None, fields: dict[str, Any]) -> str:
    """Who a request is addressed to, in words."""
    team = fields.get("team")
    if isinstance(team, dict):
        return f"{RECIPIENTS.get(str(team.get('kind')), 'Team')} {team.get('code') or ''}".strip()
    return f"GP practice {practice_ods or ''}".strip()


@dataclass(frozen=True)
class SideBySide:
    """The answers to a referral's requests read together: one column per answered request, one row per question
    of the response form (in the order the first answer gives them)."""

    columns: list[str]
    rows: list[tuple[str, list[str]]]


def side_by_side(requests: list[RequestView]) -> SideBySide:
    answered = [r for r in requests if r.answers]
    columns = [f"{r.reference} ({r.recipient})" for r in answered]
    order: list[str] = []
    cells: dict[str, list[str]] = {}
    for n, r in enumerate(answered):
        for label, value in r.answers[-1].rows:
            if label not in cells:
                order.append(label)
                cells[label] = [""] * len(answered)
            cells[label][n] = value
    return SideBySide(columns, [(label, cells[label]) for label in order])


def chase(db: Database, actor: Staff, referral_id: str, request_id: str, now: float) -> None:
    """Chase an unanswered request of the referral: a new version of it that the addressee's devices pull."""
    if actor.role not in CONSOLE_ROLES:
        raise Forbidden("", "Only MASH staff can chase information requests.")
    with db.write() as conn:
        referral = conn.execute(
            sa.select(records.c.case_id).where(
                records.c.record_id == referral_id, records.c.record_type == RecordType.REFERRAL.value
            )
        ).first()
        if referral is None:
            raise ScreeningError("", "There is no such referral.")
        row = next((r for r in _deadlines.open_requests(conn, referral.case_id) if r.record_id == request_id), None)
        if row is None:
            raise ScreeningError("requests", "That request has been answered or is not one of this referral's.")
        fields = json.loads(row.fields)
        chased = [*fields.get("chased_at", []), dt.datetime.fromtimestamp(now, dt.UTC).isoformat()]
        if len(chased) > 50:
            raise ScreeningError("requests", "This request has been chased 50 times: telephone them instead.")
        _deadlines.revise_request(conn, request_id, {"chased_at": chased}, now, actor.user_id)
        record_event(
            conn,
            now=now,
            actor=actor,
            record_id=referral_id,
            action="chase",
            after=str(fields.get("practice_ods") or recipient_words(None, fields)),
            text=str(fields.get("reference") or ""),
        )


def _recipient(recipient: str, practice_ods: str, team_code: str) -> tuple[str, str, tuple[str, str] | None]:
    """The form's recipient checked: (the field errors name, the code, the team or None for a practice)."""
    kind = recipient or "gp_practice"  # a form from before the radios asked a GP practice
    if kind not in RECIPIENTS:
        raise ScreeningError(
            "recipient", "Choose who to ask: a GP practice, a health visiting or a school nursing team."
        )
    if kind == "gp_practice":
        ods = "".join(practice_ods.split()).upper()
        if not _ODS.match(ods):
            raise ScreeningError(
                "practice_ods", "Enter the GP practice's ODS code: a letter and five digits, like A81001."
            )
        return "practice_ods", ods, None
    code = "".join(team_code.split()).upper()
    if not _TEAM.match(code):
        raise ScreeningError(f"team_code_{kind}", "Enter the team's code: 3 to 6 letters and digits, like RA9HV1.")
    return f"team_code_{kind}", code, (kind, code)


def request_information(
    db: Database,
    actor: Staff,
    record_id: str,
    practice_ods: str,
    questions: str,
    timescales: Timescales,
    now: float,
    *,
    recipient: str = "gp_practice",
    team_code: str = "",
) -> str:
    """Send a request about the referral's child to a GP practice (``practice_ods``) or, when ``recipient`` is
    health_visiting or school_nursing, to that team (``team_code``); returns its hub reference."""
    if actor.role not in CONSOLE_ROLES:
        raise Forbidden("", "Only MASH staff can send information requests.")
    where, ods, team = _recipient(recipient, practice_ods, team_code)
    asked = [" ".join(q.split()) for q in questions.splitlines() if q.strip()]
    if not asked:
        raise ScreeningError("questions", "Enter at least one question, one on each line.")
    if len(asked) > MAX_QUESTIONS or any(len(q) > MAX_QUESTION for q in asked):
        raise ScreeningError("questions", f"Ask at most {MAX_QUESTIONS} questions of {MAX_QUESTION} characters each.")
    with db.read() as conn:
        row = conn.execute(
            sa.select(records.c.fields, records.c.case_id, records.c.routed_to, screenings.c.rating)
            .outerjoin(screenings, screenings.c.record_id == records.c.record_id)
            .where(records.c.record_id == record_id, records.c.record_type == RecordType.REFERRAL.value)
        ).first()
    if row is None or not _authorities.may_act(actor.authority, row.routed_to):
        raise ScreeningError("", "There is no such referral.")
    if row.rating not in ("red", "amber", "green"):
        raise ScreeningError(where, "Rate the referral red, amber or green first: its rating sets the deadline.")
    fields = json.loads(row.fields)
    raw = fields.get("document")
    document: dict[str, Any] = raw if isinstance(raw, dict) else {}
    raw_child = document.get("child")
    child: dict[str, Any] = raw_child if isinstance(raw_child, dict) else {}
    nhs = child.get("nhs_number")
    deadline = timescales.due(dt.datetime.fromtimestamp(now, dt.UTC), row.rating)
    try:
        made = _staff.create_request(
            db,
            practice_ods="" if team else ods,
            team=team,
            child={
                "name": str(child.get("child_name") or "Not given")[:200],
                "date_of_birth": child.get("date_of_birth"),
                "nhs_number": nhs if isinstance(nhs, str) else None,
            },
            adults=[],
            rag=row.rating,
            questions=asked,
            requested_by=actor.username,
            case_id=row.case_id,
            deadline_at=deadline,
            now=now,
        )
    except AdminError as exc:
        raise ScreeningError("questions", f"The request could not be made: {exc}") from None
    with db.write() as conn:
        status = conn.execute(sa.select(records.c.status).where(records.c.record_id == record_id)).scalar()
        if status in (None, "received", "triaged"):  # the referral moves on to gathering (the referrer sees it)
            _store.touch(conn, now=now, record_id=record_id, status="information_requested")
        conn.execute(
            sa.insert(screening_events).values(
                record_id=record_id,
                at=now,
                actor=actor.username,
                action="request",
                to_value=recipient_words("", {"team": {"kind": team[0], "code": ods}}) if team else ods,
                text=str(made["reference"]),
            )
        )
        _audit.record(
            conn,
            at=now,
            actor=actor.username,
            action="console.request",
            target=record_id,
            outcome="ok",
            detail={"to": ods, "team": team[0] if team else None, "request": made["record_id"]},
        )
        request_row = {"record_type": "info_request", "record_id": made["record_id"], "case_id": row.case_id}
        _linking.link_safely(conn, [{**request_row, "fields": "{}"}], now)
    return str(made["reference"])


def _answer_rows(fields: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        spec = forms.load_spec(str(fields.get("form_id")), int(fields.get("form_version") or 1))
    except (forms.FormsError, ValueError, TypeError):
        return []
    raw = fields.get("answers")
    answers: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return [
        tuple(line.split(": ", 1)) if ": " in line else ("", line)  # type: ignore[misc]
        for line in forms.summary_lines(spec, answers, forms.england_today())
    ]


def requests_for(conn: Connection, case_id: str, now: dt.datetime) -> list[RequestView]:
    rows = conn.execute(
        sa.select(
            records.c.record_id,
            records.c.fields,
            records.c.practice_ods,
            records.c.team,
            records.c.team_role,
            records.c.seq,
        )
        .where(records.c.case_id == case_id, records.c.record_type == RecordType.INFO_REQUEST.value)
        .order_by(records.c.created_at, records.c.record_id)
    ).all()
    reach: dict[tuple[str, Role], int] = {}
    out = []
    for row in rows:
        ods, role = (str(row.team), Role(row.team_role)) if row.team else (str(row.practice_ods or ""), Role.GP)
        if (ods, role) not in reach:
            reach[ods, role] = _delivery.practice_reach(conn, ods, role)
        on_device = reach[ods, role] >= row.seq
        fields = json.loads(row.fields)
        try:
            deadline = dt.datetime.fromisoformat(str(fields.get("deadline")))
        except ValueError:
            deadline = None
        answers = [
            Answer(str(json.loads(r.fields).get("submitted_at") or ""), _answer_rows(json.loads(r.fields)))
            for r in conn.execute(
                sa.select(records.c.fields).where(
                    records.c.request_id == row.record_id, records.c.record_type == RecordType.RESPONSE.value
                )
            )
        ]
        overdue = deadline is not None and now >= deadline
        state = "Answered" if answers else "Overdue" if overdue else "On a device" if on_device else "Sent"
        chased = []
        for text in fields.get("chased_at") or []:
            try:
                chased.append(dt.datetime.fromisoformat(str(text)))
            except ValueError:
                continue
        out.append(
            RequestView(
                record_id=row.record_id,
                reference=str(fields.get("reference") or ""),
                practice_ods=str(row.practice_ods or ""),
                deadline=deadline,
                questions=[str(q) for q in fields.get("questions") or []],
                state=state,
                time_left="" if answers else time_left_words(now, deadline),
                answers=answers,
                on_device=on_device,
                chased=chased,
                recipient=recipient_words(row.practice_ods, fields),
            )
        )
    return out
