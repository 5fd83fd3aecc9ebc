"""Across council boundaries (the peninsula): another authority's MASH knows the child; ask it, or transfer.

- ``other_authorities_knowing``: which other authorities hold a referral about the same child, with their MASH's
  contact and the dates, and never the content. The child is the same when the NHS numbers are equal (for now:
  the hub's child record will answer this function at merge, and nothing else here needs to change).
- ``ask``: a request to that MASH (``authority_requests``), audited; its staff ``answer`` or ``refuse`` it with a
  reason. The asking authority reads the answer, which is what the other MASH chose to give.
- ``transfer``: the referral moves to another authority's queue (``records.routed_to``), with the reason kept
  (``referral_transfers``), in its history and in the audit trail. A family move is a transfer marked as one: the
  new authority reads the referral it was given and its history, and of the old authority's other referrals only
  the fact that they exist.

Every function checks the acting user's authority itself (hub._authorities); another authority's referral reads
as "There is no such referral."
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _audit, _authorities, _fact_codes, _store
from hub._db import Database
from hub._region_tables import authority_requests, need_facts, referral_transfers
from hub._screening import Forbidden, ScreeningError, record_event
from hub._settings import Settings
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import records
from protocol import RecordType

MAX_TEXT: Final = 5000
STATE_WORDS: Final = {"open": "Waiting for an answer", "answered": "Answered", "refused": "Refused"}


@dataclass(frozen=True)
class Knowing:
    """Another authority holds referrals about this child: who, how to reach them, when. No content."""

    authority: _authorities.Authority
    contact: str
    first_at: float
    last_at: float
    count: int
    latest_record_id: str  # the hub's own handle for a request; never shown


@dataclass(frozen=True)
class AskedRequest:
    request_id: str
    to_name: str
    from_name: str
    question: str
    asked_by: str
    asked_at: float
    state: str
    answer: str | None
    answered_by: str | None
    answered_at: float | None


@dataclass(frozen=True)
class Transfer:
    from_name: str
    to_name: str
    reason: str
    family_move: bool
    actor: str
    at: float


@dataclass(frozen=True)
class Elsewhere:
    """What a referral's page shows about other authorities."""

    knowing: list[Knowing] = field(default_factory=list)
    asked: list[AskedRequest] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)


def _nhs_of(fields_text: str) -> str | None:
    try:
        fields = json.loads(fields_text)
    except ValueError:
        return None
    doc = fields.get("document") if isinstance(fields, dict) else None
    child = doc.get("child") if isinstance(doc, dict) else None
    nhs = child.get("nhs_number") if isinstance(child, dict) else None
    return nhs if isinstance(nhs, str) and len(nhs) == 10 and nhs.isdigit() else None


def other_authorities_knowing(conn: Connection, referral: Any, contacts: dict[str, str] | None = None) -> list[Knowing]:
    """The other authorities with a referral about the same child as ``referral`` (a ``records`` row with
    ``record_id``, ``fields`` and ``routed_to``), each with its contact and the dates. Same child: equal NHS number."""
    nhs = _nhs_of(referral.fields)
    here = _authorities.of_referral(referral.routed_to)
    if nhs is None:
        return []
    # Stored bodies are canonical JSON (hub._store.dumps): the LIKE narrows, the parse decides.
    rows = conn.execute(
        sa.select(
            records.c.record_id, records.c.fields, records.c.routed_to, records.c.receipt_at, records.c.created_at
        )
        .where(
            records.c.record_type == RecordType.REFERRAL.value,
            records.c.record_id != referral.record_id,
            records.c.fields.like(f'%"nhs_number":"{nhs}"%'),
        )
        .order_by(records.c.seq)
    ).all()
    found: dict[str, list[Any]] = {}
    for row in rows:
        there = _authorities.of_referral(row.routed_to)
        if there is None or (here is not None and there.code == here.code) or _nhs_of(row.fields) != nhs:
            continue
        found.setdefault(there.code, []).append(row)
    out = []
    for code, held in found.items():
        authority = _authorities.find(code)
        assert authority is not None
        times = [r.receipt_at or r.created_at for r in held]
        out.append(
            Knowing(
                authority=authority,
                contact=(contacts or {}).get(code, "Not known"),
                first_at=min(times),
                last_at=max(times),
                count=len(held),
                latest_record_id=held[-1].record_id,
            )
        )
    return sorted(out, key=lambda k: k.authority.name)


def _check_staff(actor: Staff) -> None:
    if actor.role not in CONSOLE_ROLES:
        raise Forbidden("", "Only MASH staff can do this.")


def _referral(conn: Connection, actor: Staff, record_id: str) -> Any:
    row = conn.execute(
        sa.select(records.c.record_id, records.c.fields, records.c.routed_to, records.c.status).where(
            records.c.record_id == record_id, records.c.record_type == RecordType.REFERRAL.value
        )
    ).first()
    if row is None or not _authorities.may_act(actor.authority, row.routed_to):
        raise ScreeningError("", "There is no such referral.")
    return row


def _text(value: str | None, field_name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ScreeningError(field_name, f"Enter {what}.")
    if len(text) > MAX_TEXT:
        raise ScreeningError(field_name, f"{what[0].upper()}{what[1:]} must be {MAX_TEXT} characters or fewer.")
    return text


def known_elsewhere(db: Database, actor: Staff, record_id: str, settings: Settings) -> Elsewhere:
    _check_staff(actor)
    with db.read() as conn:
        row = _referral(conn, actor, record_id)
        knowing = other_authorities_knowing(conn, row, dict(settings.authority_contacts))
        asked = [
            _asked(r)
            for r in conn.execute(
                sa.select(authority_requests)
                .where(authority_requests.c.record_id == record_id)
                .order_by(authority_requests.c.asked_at)
            )
        ]
        transfers = [
            Transfer(
                _authorities.name_of(t.from_authority),
                _authorities.name_of(t.to_authority),
                t.reason,
                t.family_move,
                t.actor,
                t.at,
            )
            for t in conn.execute(
                sa.select(referral_transfers)
                .where(referral_transfers.c.record_id == record_id)
                .order_by(referral_transfers.c.transfer_id)
            )
        ]
    return Elsewhere(knowing, asked, transfers)


def _asked(r: Any) -> AskedRequest:
    return AskedRequest(
        request_id=r.request_id,
        to_name=_authorities.name_of(r.to_authority),
        from_name=_authorities.name_of(r.from_authority),
        question=r.question,
        asked_by=r.asked_by,
        asked_at=r.asked_at,
        state=r.state,
        answer=r.answer,
        answered_by=r.answered_by,
        answered_at=r.answered_at,
    )


def ask(
    db: Database, actor: Staff, record_id: str, to_authority: str, question: str, *, now: float | None = None
) -> str:
    """Ask another authority's MASH what it knows about this referral's child; returns the request's id."""
    _check_staff(actor)
    text = _text(question, "question", "what you want to know")
    now = time.time() if now is None else now
    with db.write() as conn:
        row = _referral(conn, actor, record_id)
        here = _authorities.of_referral(row.routed_to)
        if here is None:
            raise ScreeningError("", "This referral has no local authority, so it cannot ask another one.")
        target = next((k for k in other_authorities_knowing(conn, row) if k.authority.code == to_authority), None)
        if target is None:
            raise ScreeningError("to_authority", "Select an authority that knows this child.")
        request_id = str(uuid.uuid4())
        conn.execute(
            sa.insert(authority_requests).values(
                request_id=request_id,
                record_id=record_id,
                about_record_id=target.latest_record_id,
                from_authority=here.code,
                to_authority=to_authority,
                question=text,
                asked_by=actor.username,
                asked_at=now,
                state="open",
            )
        )
        record_event(
            conn, now=now, actor=actor, record_id=record_id, action="ask_authority", after=target.authority.name
        )
    return request_id


def incoming(db: Database, actor: Staff) -> list[AskedRequest]:
    """Requests from other MASHs to the acting user's authority (every authority's for a regional user)."""
    _check_staff(actor)
    query = sa.select(authority_requests).order_by(authority_requests.c.asked_at.desc()).limit(200)
    if actor.authority is not None:
        query = query.where(authority_requests.c.to_authority == actor.authority)
    with db.read() as conn:
        return [_asked(r) for r in conn.execute(query)]


def reply(db: Database, actor: Staff, request_id: str, *, give: bool, text: str, now: float | None = None) -> None:
    """Answer (``give``) or refuse a request to the acting user's authority; either needs words (the answer, or the
    reason for refusing)."""
    _check_staff(actor)
    words = _text(text, "answer", "the answer" if give else "the reason for refusing")
    now = time.time() if now is None else now
    with db.write() as conn:
        row = conn.execute(
            sa.select(authority_requests).where(authority_requests.c.request_id == request_id[:36]).with_for_update()
        ).first()
        if row is None or (actor.authority is not None and row.to_authority != actor.authority):
            raise ScreeningError("", "There is no such request.")
        if row.state != "open":
            raise ScreeningError("answer", "This request has already been answered or refused.")
        state = "answered" if give else "refused"
        conn.execute(
            sa.update(authority_requests)
            .where(authority_requests.c.request_id == row.request_id)
            .values(state=state, answer=words, answered_by=actor.username, answered_at=now)
        )
        _audit.record(
            conn,
            at=now,
            actor=actor.username,
            action=f"console.authority_request_{state}",
            target=row.record_id,
            outcome="ok",
            detail={"request": row.request_id, "from": row.from_authority, "to": row.to_authority},
        )


def transfer(
    db: Database,
    actor: Staff,
    record_id: str,
    to_authority: str,
    reason: str,
    *,
    family_move: bool = False,
    now: float | None = None,
) -> None:
    """Move the referral to another authority's queue, recording why (and whether the family moved)."""
    _check_staff(actor)
    target = _authorities.find(to_authority)
    if target is None:
        raise ScreeningError("to_authority", "Select the local authority to transfer to.")
    why = _text(reason, "reason", "why the referral is being transferred")
    now = time.time() if now is None else now
    with db.write() as conn:
        row = _referral(conn, actor, record_id)
        here = _authorities.of_referral(row.routed_to)
        if here is not None and here.code == target.code:
            raise ScreeningError("to_authority", f"The referral is already with {target.name}.")
        conn.execute(
            sa.insert(referral_transfers).values(
                record_id=record_id,
                from_authority=here.code if here else None,
                to_authority=target.code,
                reason=why,
                family_move=family_move,
                actor=actor.username,
                at=now,
            )
        )
        _store.touch(conn, now=now, record_id=record_id, routed_to=target.label)
        conn.execute(
            sa.update(need_facts)
            .where(need_facts.c.record_id == record_id)
            .values(authority=_fact_codes.authority_number(target.code))
        )
        record_event(
            conn,
            now=now,
            actor=actor,
            record_id=record_id,
            action="family_move" if family_move else "transfer",
            before=here.name if here else None,
            after=target.name,
            text=why,
        )
