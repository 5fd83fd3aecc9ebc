"""One chronology per child: every event from every agency, in the order it happened. Reads only.

Events: each referral linked to the child (when it was written, by whom, from which agency), what the MASH did with
it (ratings, notes, decisions: ``screening_events``), the information requests on those cases and the answers to
them (when the GP wrote them). Ordered by when each happened (the written time the item carries, or the moment the
MASH acted), never by when it synced. ``viewer_authority`` (None: sees all) hides the content of a referral routed
to another authority: the event shows that another MASH holds it, and when.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _authorities, _referral_view
from hub._console_tables import screening_events
from hub._known import display_name
from hub._linking_tables import child_links, children
from hub._requests import recipient_words
from hub._tables import records
from protocol import RecordType

MASH: Final = "MASH"
_ACTIONS: Final = {
    "rate": "Rating set",
    "assign": "Worker assigned",
    "reassign": "Worker changed",
    "note": "Note",
    "already_open": "Already open to children's social care",
    "decide": "Decision",
    "outcome_sent": "Outcome sent to the referrer",
    "request": "Information requested",
    "link_confirmed": "Linked to this child by staff",
    "link_undone": "Link undone",
    "link_rejected": "Possible match rejected",
}


@dataclass(frozen=True)
class Event:
    happened_at: float
    what: str
    agency: str
    recorded_by: str
    href: str  # the item in the console ("" when there is none to show)
    detail: str = ""


@dataclass(frozen=True)
class Chronology:
    child_id: str
    name: str
    date_of_birth: str
    events: list[Event]


def _author(row: Any) -> tuple[str, str]:
    """(who, organisation) from the hub-attested author."""
    try:
        author = json.loads(row.author) if row.author else {}
    except ValueError:
        author = {}
    return str(author.get("display_name") or "Not given"), str(author.get("organisation") or "")


def _written(fields: dict[str, Any], fallback: float) -> float:
    text = fields.get("submitted_at") or fields.get("created_at")
    if isinstance(text, str):
        try:
            when = dt.datetime.fromisoformat(text)
            return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
        except ValueError:
            pass
    return fallback


def load(conn: Connection, child_id: str, *, viewer_authority: str | None) -> Chronology | None:
    if conn.execute(sa.select(children.c.child_id).where(children.c.child_id == child_id)).first() is None:
        return None
    links = conn.execute(
        sa.select(child_links).where(child_links.c.child_id == child_id, child_links.c.undone_at.is_(None))
    ).all()
    name, born = display_name(links[0].identity) if links else ("Name not given", "Not given")
    item_ids = sorted({link.item_id for link in links})
    happened = {link.item_id: link.happened_at for link in links}
    rows = conn.execute(sa.select(records).where(records.c.record_id.in_(item_ids))).all() if item_ids else []
    events: list[Event] = []
    referrals: list[str] = []
    cases: dict[str, str] = {}  # case id -> one of its referrals (where its requests and answers are shown)
    for row in rows:
        if row.record_type != RecordType.REFERRAL.value:
            continue
        visible = _authorities.may_act(viewer_authority, row.routed_to)
        href = f"/console/referrals/{row.record_id}"
        if not visible:
            events.append(Event(happened[row.record_id], "Known to another MASH", row.routed_to or "", "", ""))
            continue
        referrals.append(row.record_id)
        cases.setdefault(row.case_id, href)
        fields = json.loads(row.fields)
        view = _referral_view.view(fields)
        who, organisation = _author(row)
        agency = view.referrer_agency if view.referrer_agency != _referral_view.NOT_GIVEN else organisation
        detail = ", ".join(view.categories) or view.level_words
        events.append(Event(happened[row.record_id], "Referral", agency or "Not given", who, href, detail))
    if referrals:
        for ev in conn.execute(
            sa.select(screening_events)
            .where(screening_events.c.record_id.in_(referrals), screening_events.c.action != "request")
            .order_by(screening_events.c.event_id)
        ):
            what = _ACTIONS.get(ev.action, ev.action.replace("_", " ").capitalize())
            detail = " ".join(x for x in (ev.to_value if ev.action != "note" else "", ev.text or "") if x)
            events.append(Event(ev.at, what, MASH, ev.actor, f"/console/referrals/{ev.record_id}", detail[:300]))
    if cases:
        requests = conn.execute(
            sa.select(records).where(
                records.c.case_id.in_(sorted(cases)),
                records.c.record_type.in_((RecordType.INFO_REQUEST.value, RecordType.RESPONSE.value)),
            )
        ).all()
        for row in requests:
            fields = json.loads(row.fields)
            if row.record_type == RecordType.INFO_REQUEST.value:
                by = str(fields.get("requested_by") or "Not given")
                to = recipient_words(row.practice_ods, fields)
                what = f"Information request {fields.get('reference') or ''} to {to}"
                events.append(Event(row.created_at, " ".join(what.split()), MASH, by, cases[row.case_id]))
            else:
                who, organisation = _author(row)
                agency = organisation or (f"GP practice {row.practice_ods}" if row.practice_ods else "Team")
                what = "Answer to an information request"
                events.append(Event(_written(fields, row.created_at), what, agency, who, cases[row.case_id]))
    events.sort(key=lambda e: e.happened_at)
    return Chronology(child_id, name, born, events)


def when_words(at: float, tz: dt.tzinfo) -> str:
    local = dt.datetime.fromtimestamp(at, dt.UTC).astimezone(tz)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"
