"""Linking each item about a child to one child record: on the push path, and by staff (confirm, reject, undo).

``link_pushed`` runs in the push's transaction, inside a savepoint: a fault in linking rolls back only the
linking, is logged (no content), and the push goes on. For each child a referral names (the case's child and each
child on its forms, ``subjects``): an NHS number seen before links by it; otherwise the blocking keys
(``hub._matching.keys``) find the few earlier identities worth comparing, and the best child's score decides: sure
links (``sure_match``), possible gives the item a child of its own plus a ``possible_matches`` row for staff, below
that the child is new. Two children of one item never link to the same child (twins referred together).
Information requests and responses link to the children of the referrals on their case (``same_case``).

Staff actions (``confirm``, ``reject``, ``undo``) need a reason, run in one write transaction and record who, when
and why in the referral's history and the audit trail (``hub._screening.record_event``). Nothing is merged: a link
is undone (kept, with ``undone_*``) and a new one made.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _audit, _matching
from hub._db import Database
from hub._linking_tables import adult_keys, child_keys, child_links, children, possible_matches
from hub._matching import Person
from hub._screening import Forbidden, ScreeningError, record_event
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import records

log = logging.getLogger("hub.linking")

MAX_BLOCK: Final = 300  # identities read per blocking key: a huge block (a common name) never makes a scan
MAX_REASON: Final = 2000
HOW_WORDS: Final = {
    "nhs_number": "Same NHS number",
    "sure_match": "Matched on name, date of birth and address",
    "confirmed": "Confirmed by staff",
    "new_child": "First time seen",
    "same_case": "Same case as a linked referral",
}


# -- what an item says about its children -------------------------------------------------------------------------
def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dob(value: object) -> tuple[str, bool]:
    if isinstance(value, Mapping):  # an estimated date: {"value": "2014-06-01", "estimated": true}
        return _str(value.get("value")), value.get("estimated") is True
    return _str(value), False


def _child_person(child: Mapping[str, Any], postcode: str = "") -> Person:
    dob, estimated = _dob(child.get("date_of_birth"))
    return _matching.person(
        _str(child.get("child_name")),
        dob or None,
        dob_estimated=estimated or child.get("dob_estimated") is True,
        postcode=_str(child.get("postcode")) or postcode,
        nhs_number=_str(child.get("nhs_number")),
        gender=_str(child.get("gender")),
        aliases=_str(child.get("aliases")),
    )


def _answers(fields: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    doc = fields.get("document")
    forms = doc.get("forms") if isinstance(doc, Mapping) else None
    out = []
    for form in forms if isinstance(forms, list) else []:
        answers = form.get("answers") if isinstance(form, Mapping) else None
        if isinstance(answers, Mapping):
            out.append(answers)
    return out


def subjects(fields: Mapping[str, Any]) -> list[Person]:
    """The children a referral names, once each: the case's child, then each child on its forms."""
    doc = fields.get("document")
    found: list[Person] = []
    case_child = doc.get("child") if isinstance(doc, Mapping) else None
    if isinstance(case_child, Mapping):
        found.append(_child_person(case_child))
    for answers in _answers(fields):
        for child in answers.get("children") or []:
            if isinstance(child, Mapping):
                found.append(_child_person(child))
    out: list[Person] = []
    for p in found:
        if not p.given and not p.nhs_number:
            continue
        same = next((q for q in out if _same_subject(p, q)), None)
        if same is None:
            out.append(p)
    return out


def _same_subject(a: Person, b: Person) -> bool:
    if a.nhs_number and b.nhs_number:
        return a.nhs_number == b.nhs_number
    return a.given == b.given and a.family == b.family and (a.dob == b.dob or a.dob is None or b.dob is None)


def adults(fields: Mapping[str, Any]) -> list[tuple[str, str, bool, str]]:
    """(key, name, is a parent, postcode) for each adult a referral names."""
    postcode = next((p.postcode for p in subjects(fields) if p.postcode), "")
    out: dict[str, tuple[str, str, bool, str]] = {}
    for answers in _answers(fields):
        for adult in answers.get("adults") or []:
            if not isinstance(adult, Mapping):
                continue
            name = " ".join(_str(adult.get("name")).split())[:200]
            given, family = _matching.split_name(name)
            if not given or not family:
                continue
            dob, _ = _dob(adult.get("date_of_birth"))
            key = f"a:{given}:{family}:{dob[:10] or postcode}"[:120]
            parent = adult.get("parental_responsibility") is True or _str(adult.get("role")) == "parent"
            out[key] = (key, name, parent, postcode)
    return list(out.values())


def _happened(fields: Mapping[str, Any], fallback: float) -> float:
    """When the item says it was written (its ``created_at``), as epoch seconds; the hub's time if it says none."""
    text = _str(fields.get("created_at")) or _str(fields.get("submitted_at"))
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return fallback
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


# -- finding candidates -------------------------------------------------------------------------------------------
_BLOCK: Final = (
    sa.select(child_links.c.child_id, child_links.c.identity)
    .join(child_keys, child_keys.c.link_id == child_links.c.link_id)
    .where(child_keys.c.key == sa.bindparam("key"))
    .limit(MAX_BLOCK)
)


@dataclass(frozen=True)
class Candidate:
    child_id: str
    score: float


def candidates(conn: Connection, who: Person, exclude: Iterable[str] = ()) -> list[Candidate]:
    """Children worth comparing with ``who`` (from its blocks only), best first, with their best score.

    The narrow blocks come first (``hub._matching.keys`` orders them); the broad family-name-and-year block is read
    only when they found no sure match, so the usual case never reads it."""
    best: dict[str, float] = {}
    seen: set[str] = set()
    skip = set(exclude)
    for key in _matching.keys(who):
        if key.startswith(_matching.BROAD) and any(v >= _matching.SURE for v in best.values()):
            break
        for row in conn.execute(_BLOCK, {"key": key}):
            if row.child_id in skip or row.identity in seen:
                continue
            seen.add(row.identity)
            value = _matching.score(who, Person.from_json(json.loads(row.identity)))
            if value > best.get(row.child_id, _matching.NO_MATCH - 1):
                best[row.child_id] = value
    return sorted((Candidate(c, s) for c, s in best.items()), key=lambda c: -c.score)


# -- writing links ------------------------------------------------------------------------------------------------
def _new_child(conn: Connection, now: float) -> str:
    child_id = str(uuid.uuid4())
    conn.execute(children.insert(), {"child_id": child_id, "created_at": now})
    return child_id


def _insert_link(
    conn: Connection,
    *,
    child_id: str,
    kind: str,
    item_id: str,
    subject: int,
    how: str,
    who: Person,
    happened_at: float,
    by: str,
    now: float,
    score: float | None = None,
    reason: str | None = None,
) -> str:
    link_id = str(uuid.uuid4())
    conn.execute(
        child_links.insert(),
        {
            "link_id": link_id,
            "child_id": child_id,
            "item_kind": kind,
            "item_id": item_id,
            "subject": subject,
            "how": how,
            "score": score,
            "identity": json.dumps(who.as_json(), sort_keys=True),
            "happened_at": happened_at,
            "linked_by": by[:64],
            "linked_at": now,
            "reason": reason,
        },
    )
    if kind in ("referral", "contact"):
        rows = [{"key": k, "link_id": link_id} for k in _matching.keys(who)]
        if rows:
            conn.execute(child_keys.insert(), rows)
    return link_id


def link_referral(
    conn: Connection, record_id: str, fields: Mapping[str, Any], *, now: float, by: str = "hub"
) -> list[str]:
    """Link each child the referral names; returns the child ids, in subject order."""
    happened = _happened(fields, now)
    used: list[str] = []
    for index, who in enumerate(subjects(fields)):
        found = candidates(conn, who, exclude=used)
        top = found[0] if found else None
        verdict = _matching.verdict(top.score) if top else "none"
        common: dict[str, Any] = {
            "kind": "referral",
            "item_id": record_id,
            "subject": index,
            "who": who,
            "by": by,
            "now": now,
        }
        if top is not None and verdict == "sure":
            how = "nhs_number" if top.score >= 100 else "sure_match"
            _insert_link(conn, child_id=top.child_id, how=how, score=top.score, happened_at=happened, **common)
            used.append(top.child_id)
            continue
        child_id = _new_child(conn, now)
        link_id = _insert_link(conn, child_id=child_id, how="new_child", happened_at=happened, **common)
        used.append(child_id)
        for maybe in [c for c in found if _matching.verdict(c.score) == "possible"][:3]:
            conn.execute(
                possible_matches.insert(),
                {
                    "match_id": str(uuid.uuid4()),
                    "link_id": link_id,
                    "candidate_child_id": maybe.child_id,
                    "score": maybe.score,
                    "status": "open",
                    "created_at": now,
                },
            )
    keys = adults(fields)
    if keys:
        conn.execute(
            adult_keys.insert(),
            [{"key": k, "item_id": record_id, "name": n, "parent": p, "postcode": pc} for k, n, p, pc in keys],
        )
    return used


def link_to_case(conn: Connection, kind: str, item_id: str, case_id: str, happened_at: float, now: float) -> int:
    """Link an information request or response to the children of the referrals on its case."""
    rows = conn.execute(
        sa.select(child_links.c.child_id, child_links.c.identity)
        .join(records, records.c.record_id == child_links.c.item_id)
        .where(records.c.case_id == case_id, child_links.c.item_kind == "referral", child_links.c.undone_at.is_(None))
    ).all()
    done: set[str] = set()
    for row in rows:
        if row.child_id in done:
            continue
        done.add(row.child_id)
        who = Person.from_json(json.loads(row.identity))
        _insert_link(
            conn,
            child_id=row.child_id,
            kind=kind,
            item_id=item_id,
            subject=len(done) - 1,
            how="same_case",
            who=who,
            happened_at=happened_at,
            by="hub",
            now=now,
        )
    return len(done)


#: The record types linked to children; others (notes, cases) never are.
LINKED_KINDS: Final = frozenset({"referral", "response", "info_request"})


def link_record(conn: Connection, row: Mapping[str, Any], now: float) -> None:
    """Link one new record (a ``records`` row: referral, info_request or response) to its children."""
    kind = row["record_type"]
    if kind not in LINKED_KINDS:
        return
    fields = json.loads(row["fields"])
    if kind == "referral":
        link_referral(conn, row["record_id"], fields, now=now)
    else:
        link_to_case(conn, kind, row["record_id"], row["case_id"], _happened(fields, now), now)


def link_safely(conn: Connection, rows: Iterable[Mapping[str, Any]], now: float) -> None:
    """Link new records, each in a savepoint: a fault here is logged (no content) and never refuses or loses the
    write it rides on (staff can still link by hand). Rows of other kinds cost nothing: no savepoint for them (a
    push of 1,000 notes would otherwise pay 2,000 statements)."""
    for row in (r for r in rows if r["record_type"] in LINKED_KINDS):
        try:
            with conn.begin_nested():
                link_record(conn, row, now)
        except Exception as exc:  # see the docstring; the message names the fault's type only (SQL errors quote
            # their parameters, which hold names)
            kind = row.get("record_type")
            log.error("linking failed for a new %s (%s); stored unlinked", kind, type(exc).__name__)


# -- staff actions ------------------------------------------------------------------------------------------------
def _reason(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise ScreeningError("reason", "Enter why")
    if len(value) > MAX_REASON:
        raise ScreeningError("reason", f"The reason must be {MAX_REASON} characters or fewer")
    return value


def _check(actor: Staff) -> None:
    if actor.role not in CONSOLE_ROLES:
        raise Forbidden("", "Only MASH staff can link records about a child.")


def _open_match(conn: Connection, match_id: str) -> Any:
    row = conn.execute(
        sa.select(possible_matches, child_links)
        .join(child_links, child_links.c.link_id == possible_matches.c.link_id)
        .where(possible_matches.c.match_id == match_id)
        .with_for_update()
    ).first()
    if row is None:
        raise ScreeningError("", "There is no such possible match.")
    if row.status != "open":
        raise ScreeningError("", "This possible match has already been decided.")
    return row


def _end_link(conn: Connection, link_id: str, actor: Staff, why: str, now: float) -> None:
    conn.execute(
        child_links.update()
        .where(child_links.c.link_id == link_id)
        .values(undone_at=now, undone_by=actor.username, undone_why=why)
    )
    conn.execute(child_keys.delete().where(child_keys.c.link_id == link_id))


def confirm(db: Database, actor: Staff, match_id: str, reason: str | None, *, now: float) -> str:
    """Staff say the possible match is the same child: the item's link moves to that child (the old one is kept,
    undone). Returns the child id."""
    _check(actor)
    why = _reason(reason)
    with db.write() as conn:
        row = _open_match(conn, match_id)
        _end_link(conn, row.link_id, actor, f"Confirmed as another child record: {why}", now)
        _insert_link(
            conn,
            child_id=row.candidate_child_id,
            kind=row.item_kind,
            item_id=row.item_id,
            subject=row.subject,
            how="confirmed",
            who=Person.from_json(json.loads(row.identity)),
            happened_at=row.happened_at,
            by=actor.username,
            now=now,
            score=row.score,
            reason=why,
        )
        _decide(conn, match_id, "confirmed", actor, why, now)
        # Other open matches for the same link are settled by this choice.
        conn.execute(
            possible_matches.update()
            .where(possible_matches.c.link_id == row.link_id, possible_matches.c.status == "open")
            .values(status="rejected", decided_by=actor.username, decided_at=now, reason="Another match confirmed")
        )
        after = row.candidate_child_id
        _history(conn, actor, row.item_kind, row.item_id, "link_confirmed", row.child_id, after, why, now)
        return str(row.candidate_child_id)


def reject(db: Database, actor: Staff, match_id: str, reason: str | None, *, now: float) -> None:
    """Staff say the possible match is a different child: the item keeps its own child record."""
    _check(actor)
    why = _reason(reason)
    with db.write() as conn:
        row = _open_match(conn, match_id)
        _decide(conn, match_id, "rejected", actor, why, now)
        _history(conn, actor, row.item_kind, row.item_id, "link_rejected", None, row.candidate_child_id, why, now)


def undo(db: Database, actor: Staff, link_id: str, reason: str | None, *, now: float) -> str:
    """Undo a link (kept, marked undone): the item gets a child record of its own. Returns that child's id."""
    _check(actor)
    why = _reason(reason)
    with db.write() as conn:
        row = conn.execute(sa.select(child_links).where(child_links.c.link_id == link_id).with_for_update()).first()
        if row is None:
            raise ScreeningError("", "There is no such link.")
        if row.undone_at is not None:
            raise ScreeningError("", "This link has already been undone.")
        _end_link(conn, link_id, actor, why, now)
        child_id = _new_child(conn, now)
        _insert_link(
            conn,
            child_id=child_id,
            kind=row.item_kind,
            item_id=row.item_id,
            subject=row.subject,
            how="new_child",
            who=Person.from_json(json.loads(row.identity)),
            happened_at=row.happened_at,
            by=actor.username,
            now=now,
            reason=f"After undoing a link: {why}",
        )
        _history(conn, actor, row.item_kind, row.item_id, "link_undone", row.child_id, child_id, why, now)
        return child_id


def _decide(conn: Connection, match_id: str, status: str, actor: Staff, why: str, now: float) -> None:
    conn.execute(
        possible_matches.update()
        .where(possible_matches.c.match_id == match_id)
        .values(status=status, decided_by=actor.username, decided_at=now, reason=why)
    )


def _history(
    conn: Connection,
    actor: Staff,
    kind: str,
    item_id: str,
    action: str,
    before: str | None,
    after: str | None,
    why: str,
    now: float,
) -> None:
    """The staff choice in the item's history (when it is a record) and in the audit trail."""
    exists = conn.execute(sa.select(records.c.record_id).where(records.c.record_id == item_id)).first()
    if exists is None:  # an item held elsewhere: the audit row alone
        _audit.record(conn, at=now, actor=actor.username, action=f"console.{action}", target=item_id, outcome="ok")
        return
    record_event(conn, now=now, actor=actor, record_id=item_id, action=action, before=before, after=after, text=why)
