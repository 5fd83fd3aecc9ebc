"""What the MASH already knows about a referral's children, and the repeat-referral rule. Reads only.

For the children a referral is linked to (``hub._linking``): their earlier referrals with the outcome
(``hub._decisions``), open information requests on those cases, siblings (children named in the same referral,
children with the same family name at the same postcode, children of the same parent) and adults in common (the
same adult named in two households: another postcode). ``viewer_authority`` (None: sees all) is the viewer's
local authority: a referral routed elsewhere shows only that another MASH knows the child, when, and whom to ask.

Repeat referrals: a referral is flagged when its child has ``RepeatRule.contacts`` or more referrals in the
``RepeatRule.days`` days up to and including it (when each happened, not when it synced), however low each one was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _authorities
from hub._console_tables import screenings
from hub._decisions import DECISIONS
from hub._linking import HOW_WORDS
from hub._linking_tables import adult_keys, child_keys, child_links, possible_matches
from hub._matching import Person
from hub._requests import recipient_words
from hub._tables import records
from protocol import RecordType

DAY: Final = 86400.0


@dataclass(frozen=True)
class RepeatRule:
    contacts: int = 3
    days: int = 90


@dataclass(frozen=True)
class Link:
    link_id: str
    child_id: str
    name: str
    date_of_birth: str
    how: str  # in words


@dataclass(frozen=True)
class Earlier:
    record_id: str
    reference: str
    happened_at: float
    authority: str
    outcome: str  # in words; "" when another authority holds it
    visible: bool  # False: routed to another authority, so only the fact and the dates


@dataclass(frozen=True)
class Known:
    links: list[Link] = field(default_factory=list)
    earlier: list[Earlier] = field(default_factory=list)
    open_requests: list[tuple[str, str]] = field(default_factory=list)  # (reference, to whom in words)
    siblings: list[tuple[str, str]] = field(default_factory=list)  # (name, why)
    adults_in_common: list[tuple[str, str]] = field(default_factory=list)  # (adult, the other household's child)
    repeat_count: int = 0
    open_matches: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.earlier or self.open_requests or self.siblings or self.adults_in_common)


def display_name(identity: str) -> tuple[str, str]:
    p = Person.from_json(json.loads(identity))
    name = " ".join(w.capitalize() for w in f"{p.given} {p.family}".split()) or "Name not given"
    return name, f"{p.dob.day} {p.dob:%B %Y}" if p.dob else "Not given"


def links_of(conn: Connection, item_id: str) -> list[Link]:
    rows = conn.execute(
        sa.select(child_links)
        .where(child_links.c.item_id == item_id, child_links.c.undone_at.is_(None))
        .order_by(child_links.c.subject)
    )
    out = []
    for r in rows:
        name, born = display_name(r.identity)
        out.append(Link(r.link_id, r.child_id, name, born, HOW_WORDS.get(r.how, r.how)))
    return out


def repeat_counts(conn: Connection, record_ids: Iterable[str], rule: RepeatRule) -> dict[str, int]:
    """For each referral, the most referrals any of its children had in the rule's window ending at it."""
    ids = list(record_ids)
    if not ids:
        return {}
    mine, other = child_links.alias("mine"), child_links.alias("other")
    rows = conn.execute(
        sa.select(mine.c.item_id, mine.c.child_id, sa.func.count(sa.distinct(other.c.item_id)).label("n"))
        .join(other, other.c.child_id == mine.c.child_id)
        .where(
            mine.c.item_id.in_(ids),
            mine.c.undone_at.is_(None),
            other.c.undone_at.is_(None),
            other.c.item_kind.in_(("referral", "contact")),
            other.c.happened_at <= mine.c.happened_at,
            other.c.happened_at > mine.c.happened_at - rule.days * DAY,
        )
        .group_by(mine.c.item_id, mine.c.child_id)
    )
    out: dict[str, int] = {}
    for r in rows:
        out[r.item_id] = max(out.get(r.item_id, 0), int(r.n))
    return out


def flagged(conn: Connection, record_ids: Iterable[str], rule: RepeatRule) -> set[str]:
    return {rid for rid, n in repeat_counts(conn, record_ids, rule).items() if n >= rule.contacts}


def _outcome(decision: str | None, signed_off: float | None) -> str:
    if not decision:
        return "No decision yet"
    words = DECISIONS.get(decision, decision.replace("_", " "))
    return words if signed_off else f"{words} (waiting for sign-off)"


def known(conn: Connection, record_id: str, *, viewer_authority: str | None, rule: RepeatRule) -> Known:
    links = links_of(conn, record_id)
    child_ids = sorted({link.child_id for link in links})
    if not child_ids:
        return Known()
    earlier_rows = conn.execute(
        sa.select(
            records.c.record_id,
            records.c.receipt_ref,
            records.c.routed_to,
            records.c.case_id,
            child_links.c.happened_at,
            screenings.c.decision,
            screenings.c.signed_off_at,
        )
        .join(child_links, child_links.c.item_id == records.c.record_id)
        .outerjoin(screenings, screenings.c.record_id == records.c.record_id)
        .where(
            child_links.c.child_id.in_(child_ids),
            child_links.c.undone_at.is_(None),
            records.c.record_type == RecordType.REFERRAL.value,
            records.c.record_id != record_id,
        )
        .order_by(child_links.c.happened_at.desc())
    ).all()
    earlier: dict[str, Earlier] = {}
    cases: set[str] = set()
    for r in earlier_rows:
        visible = _authorities.may_act(viewer_authority, r.routed_to)
        if visible:
            cases.add(r.case_id)
        earlier.setdefault(
            r.record_id,
            Earlier(
                r.record_id,
                r.receipt_ref or "No reference",
                r.happened_at,
                r.routed_to or "Not given",
                _outcome(r.decision, r.signed_off_at) if visible else "",
                visible,
            ),
        )
    own_case = conn.execute(sa.select(records.c.case_id).where(records.c.record_id == record_id)).scalar()
    if own_case:
        cases.add(own_case)
    return Known(
        links=links,
        earlier=list(earlier.values()),
        open_requests=_open_requests(conn, cases),
        siblings=_siblings(conn, record_id, child_ids),
        adults_in_common=_adults_in_common(conn, record_id, child_ids),
        repeat_count=repeat_counts(conn, [record_id], rule).get(record_id, 0),
        open_matches=int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(possible_matches)
                .join(child_links, child_links.c.link_id == possible_matches.c.link_id)
                .where(child_links.c.item_id == record_id, possible_matches.c.status == "open")
            ).scalar_one()
        ),
    )


def _open_requests(conn: Connection, cases: set[str]) -> list[tuple[str, str]]:
    if not cases:
        return []
    answered = sa.select(records.c.request_id).where(
        records.c.record_type == RecordType.RESPONSE.value, records.c.request_id.is_not(None)
    )
    rows = conn.execute(
        sa.select(records.c.fields, records.c.practice_ods, records.c.team)
        .where(
            records.c.case_id.in_(sorted(cases)),
            records.c.record_type == RecordType.INFO_REQUEST.value,
            records.c.record_id.not_in(answered),
        )
        .order_by(records.c.seq)
    )
    out = []
    for r in rows:
        try:
            fields = json.loads(r.fields)
            reference = str(fields.get("reference") or "No reference")
        except (ValueError, AttributeError):
            fields, reference = {}, "No reference"
        to = recipient_words(r.practice_ods, fields) if r.team else f"GP practice {r.practice_ods or 'Not given'}"
        out.append((reference, to))
    return out


def _children_of_items(conn: Connection, item_ids: Iterable[str], exclude: set[str]) -> dict[str, str]:
    """child id -> an identity text, for the live links of these items (children in ``exclude`` left out)."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(child_links.c.child_id, child_links.c.identity).where(
            child_links.c.item_id.in_(ids), child_links.c.undone_at.is_(None)
        )
    )
    return {r.child_id: r.identity for r in rows if r.child_id not in exclude}


def _siblings(conn: Connection, record_id: str, child_ids: list[str]) -> list[tuple[str, str]]:
    mine = set(child_ids)
    found: dict[str, tuple[str, str]] = {}
    for child_id, identity in _children_of_items(conn, [record_id], mine).items():
        found[child_id] = (display_name(identity)[0], "Named in this referral")
    # Same family name at the same postcode: the "p:" blocking key of this referral's children.
    my_links = sa.select(child_links.c.link_id).where(child_links.c.item_id == record_id)
    household = sa.select(child_keys.c.key).where(child_keys.c.link_id.in_(my_links), child_keys.c.key.like("p:%"))
    rows = conn.execute(
        sa.select(child_links.c.child_id, child_links.c.identity)
        .join(child_keys, child_keys.c.link_id == child_links.c.link_id)
        .where(child_keys.c.key.in_(household), child_links.c.undone_at.is_(None))
        .limit(50)
    )
    for r in rows:
        if r.child_id not in mine and r.child_id not in found:
            found[r.child_id] = (display_name(r.identity)[0], "Same family name at the same address")
    # The same parent named in another referral.
    parents = sa.select(adult_keys.c.key).where(adult_keys.c.item_id == record_id, adult_keys.c.parent.is_(True))
    items = conn.execute(
        sa.select(adult_keys.c.item_id)
        .where(adult_keys.c.key.in_(parents), adult_keys.c.parent.is_(True), adult_keys.c.item_id != record_id)
        .limit(50)
    ).scalars()
    for child_id, identity in _children_of_items(conn, items, mine).items():
        found.setdefault(child_id, (display_name(identity)[0], "Same parent"))
    return sorted(found.values())


def _adults_in_common(conn: Connection, record_id: str, child_ids: list[str]) -> list[tuple[str, str]]:
    mine = conn.execute(sa.select(adult_keys).where(adult_keys.c.item_id == record_id)).all()
    out: set[tuple[str, str]] = set()
    for adult in mine:
        others = conn.execute(
            sa.select(adult_keys.c.item_id)
            .where(
                adult_keys.c.key == adult.key,
                adult_keys.c.item_id != record_id,
                adult_keys.c.postcode != adult.postcode,
            )
            .limit(20)
        ).scalars()
        for identity in _children_of_items(conn, others, set(child_ids)).values():
            out.add((adult.name, display_name(identity)[0]))
    return sorted(out)


def when_words(at: float, tz: dt.tzinfo) -> str:
    local = dt.datetime.fromtimestamp(at, dt.UTC).astimezone(tz)
    return f"{local.day} {local:%B %Y}"
