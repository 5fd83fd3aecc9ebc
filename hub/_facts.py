"""The commissioning facts: for each referral, only what the counts need (``need_facts``, stored as hub._fact_codes
says).

``refresh`` runs before the dashboard reads them, in one write transaction that holds the ``facts`` counter row (so
two refreshes never fold the same rows in at once). It adds the referrals that have no facts yet (referrals are
append-only, so a fact is written once) and folds in the screenings changed since the last refresh (rating,
outcome, the due time of the rating). Nothing personal is copied: an age band instead of a date of birth, a
postcode district instead of an address, the child as a keyed hash (``hub_keys``) for repeat referrals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _authorities, _fact_codes, _store
from hub._console_tables import screenings
from hub._region_tables import need_facts
from hub._settings import Settings
from hub._tables import counters, hub_keys, records
from protocol import RecordType

AGE_BANDS: Final = {
    "unborn": "Unborn",
    "0": "Under 1",
    "1-4": "1 to 4",
    "5-9": "5 to 9",
    "10-15": "10 to 15",
    "16-17": "16 to 17",
    "18+": "18 or over",
}
AGENCIES: Final = {
    "health_visiting": "Health visiting",
    "school_nursing": "School nursing",
    "other": "Another agency",
}
_FORM_AGENCY: Final = {"hv_concern": "health_visiting", "sn_referral": "school_nursing"}
_KEY_NAME: Final = "facts_child"
_COUNTER: Final = "facts"
_WINDOW: Final = "facts_window"  # the repeat window (days) the ``nth`` column was counted for
# Every record below this seq had been looked at by the last refresh: a referral without a fact can only be above it
# (a region holds a million referrals; each dashboard looks at the few that are new).
_SEEN: Final = "facts_seq"
_BATCH: Final = 1000


def age_band(born: dt.date | None, on: dt.date) -> str | None:
    if born is None:
        return None
    if born > on:
        return "unborn"
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for band, top in (("0", 0), ("1-4", 4), ("5-9", 9), ("10-15", 15), ("16-17", 17)):
        if years <= top:
            return band
    return "18+"


def district_of(postcode: object) -> str | None:
    """The outward code of a UK postcode (TQ1 2AB -> TQ1), or None."""
    if not isinstance(postcode, str):
        return None
    text = "".join(postcode.split()).upper()
    if not 5 <= len(text) <= 7 or not text.isalnum():
        return None
    return text[:-3]


def _child_key(key: bytes, nhs: object) -> str | None:
    if not (isinstance(nhs, str) and len(nhs) == 10 and nhs.isdigit()):
        return None
    return hmac.new(key, nhs.encode(), hashlib.sha256).hexdigest()


def buckets(at: float, tz: Any) -> tuple[int, int, int]:
    """The week (its Monday), month and year of a time, in the hub's time zone, as stored (hub._fact_codes)."""
    day = dt.datetime.fromtimestamp(at, dt.UTC).astimezone(tz).date()
    monday = day - dt.timedelta(days=day.weekday())
    return _fact_codes.week_number(monday), _fact_codes.month_number(day), day.year


def facts_of(fields: Mapping[str, Any], *, record_id: str, routed_to: str | None, received_at: float, key: bytes,
             tz: Any) -> dict[str, Any]:  # fmt: skip
    """The fact row of one referral's stored fields, as stored (never raises on odd content)."""
    doc = fields.get("document")
    doc = doc if isinstance(doc, Mapping) else {}
    child = doc.get("child")
    child = child if isinstance(child, Mapping) else {}
    form_list = [f for f in doc.get("forms") or [] if isinstance(f, Mapping)]
    categories: list[str] = []
    postcode: object = child.get("postcode")
    for form in form_list:
        answers = form.get("answers")
        if not isinstance(answers, Mapping):
            continue
        for code in answers.get("categories") or []:
            if isinstance(code, str) and len(code) <= 40 and code not in categories:
                categories.append(code)
        kids = answers.get("children")
        if postcode is None and isinstance(kids, list) and kids and isinstance(kids[0], Mapping):
            postcode = kids[0].get("postcode")
    agency = next((_FORM_AGENCY[str(f.get("form_id"))] for f in form_list if f.get("form_id") in _FORM_AGENCY), "other")
    level = fields.get("level_of_need")
    born: dt.date | None
    try:
        born = dt.date.fromisoformat(str(child.get("date_of_birth"))[:10])
    except ValueError:
        born = None
    received_day = dt.datetime.fromtimestamp(received_at, dt.UTC).astimezone(tz).date()
    week, month, year = buckets(received_at, tz)
    authority = _authorities.of_referral(routed_to)
    row = {
        "record_id": record_id,
        "authority": authority.code if authority else None,
        "district": district_of(postcode),
        "level": level if isinstance(level, int) and 1 <= level <= 4 else None,
        "age_band": age_band(born, received_day),
        "agency": agency,
        "received_at": received_at,
        "week": week,
        "month": month,
        "year": year,
        "child_key": _child_key(key, child.get("nhs_number")),
        "rating": None,
        "outcome": None,
        "decided_at": None,
        "due_at": None,
        "screened_at": None,
        "nth": None,
    }
    return _fact_codes.encode_fact(row, categories)


def _key(conn: Connection) -> bytes:
    value = conn.execute(sa.select(hub_keys.c.value).where(hub_keys.c.name == _KEY_NAME)).scalar_one_or_none()
    if value is None:
        value = secrets.token_hex(32)
        conn.execute(sa.insert(hub_keys).values(name=_KEY_NAME, value=value, created_at=time.time()))
    return bytes.fromhex(value)


def _lock(conn: Connection) -> float:
    """Take the facts counter row (created the first time); its value is the last screening time folded in, ms."""
    query = sa.select(counters.c.value).where(counters.c.name == _COUNTER).with_for_update()
    value = conn.execute(query).scalar_one_or_none()
    if value is None:
        conn.execute(sa.insert(counters).values(name=_COUNTER, value=0))
        value = conn.execute(query).scalar_one()
    return float(value) / 1000


def _screened(row: Any, settings: Settings) -> dict[str, Any]:
    """A fact's screening columns from its screening row (rating, outcome once sent, the rating's due time)."""
    due = None
    if row.rating:
        scales = settings.timescales_for(_fact_codes.authority_code(row.authority))
        when = scales.due(dt.datetime.fromtimestamp(row.received_at, dt.UTC), row.rating)
        due = when.timestamp() if when is not None else None
    sent = row.signed_off_at is not None and row.decision is not None
    decided = row.signed_off_at if sent else None
    return {
        "rating": _fact_codes.code(_fact_codes.RATING, row.rating),
        "outcome": _fact_codes.code(_fact_codes.OUTCOME, row.decision) if sent else None,
        "decided_at": decided,
        "due_at": due,
        "timely": _fact_codes.timeliness(decided, due),
        "screened_at": row.updated_at,
    }


def refresh(conn: Connection, settings: Settings) -> int:
    """Bring the facts up to date in the caller's write transaction; returns how many rows were written."""
    since = _lock(conn)
    key = _key(conn)
    tz = settings.timescales.working.tz
    written = 0
    seen = conn.execute(sa.select(counters.c.value).where(counters.c.name == _SEEN)).scalar_one_or_none()
    horizon = _store.horizon(conn)  # read before the rows it bounds: every seq below it is visible now
    missing = (
        sa.select(
            records.c.record_id, records.c.fields, records.c.routed_to, records.c.receipt_at, records.c.created_at
        )
        .where(
            records.c.seq >= (seen or 0),  # a referral given a new seq since (a status, a restamp) is found again
            records.c.record_type == RecordType.REFERRAL.value,
            ~sa.exists().where(need_facts.c.record_id == records.c.record_id),
        )
        .order_by(records.c.seq)
    )
    rows = conn.execute(missing).all()
    for start in range(0, len(rows), _BATCH):
        facts = []
        for r in rows[start : start + _BATCH]:
            try:
                fields = json.loads(r.fields)
            except ValueError:
                fields = {}
            fact = facts_of(
                fields if isinstance(fields, dict) else {},
                record_id=r.record_id,
                routed_to=r.routed_to,
                received_at=r.receipt_at or r.created_at,
                key=key,
                tz=tz,
            )
            facts.append(fact)
        conn.execute(sa.insert(need_facts), facts)
        written += len(facts)
    # Screenings changed since the last refresh (a second's margin: equal times are folded in again, harmlessly).
    changed = conn.execute(
        sa.select(
            need_facts.c.record_id,
            need_facts.c.authority,
            need_facts.c.received_at,
            screenings.c.rating,
            screenings.c.decision,
            screenings.c.signed_off_at,
            screenings.c.updated_at,
        )
        .join(screenings, screenings.c.record_id == need_facts.c.record_id)
        .where(
            screenings.c.updated_at > since - 1,
            sa.or_(need_facts.c.screened_at.is_(None), need_facts.c.screened_at < screenings.c.updated_at),
        )
    ).all()
    latest = since
    for row in changed:
        conn.execute(
            sa.update(need_facts).where(need_facts.c.record_id == row.record_id).values(**_screened(row, settings))
        )
        latest = max(latest, row.updated_at)
        written += 1
    if latest > since:
        conn.execute(sa.update(counters).where(counters.c.name == _COUNTER).values(value=int(latest * 1000)))
    if seen is None:
        conn.execute(sa.insert(counters).values(name=_SEEN, value=horizon))
    elif horizon > seen:
        conn.execute(sa.update(counters).where(counters.c.name == _SEEN).values(value=horizon))
    window = conn.execute(sa.select(counters.c.value).where(counters.c.name == _WINDOW)).scalar_one_or_none()
    if window != settings.repeat_days:  # the window changed (or the first time): count every child again
        if window is None:
            conn.execute(sa.insert(counters).values(name=_WINDOW, value=settings.repeat_days))
        else:
            conn.execute(sa.update(counters).where(counters.c.name == _WINDOW).values(value=settings.repeat_days))
        count_repeats(conn, settings.repeat_days, None)
    else:
        keys = {r.child_key for r in rows_keys(conn, [r.record_id for r in rows])}
        count_repeats(conn, settings.repeat_days, sorted(keys))
    return written


def rows_keys(conn: Connection, record_ids: list[str]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(record_ids), _BATCH):
        chunk = record_ids[start : start + _BATCH]
        out += conn.execute(
            sa.select(need_facts.c.child_key).where(
                need_facts.c.record_id.in_(chunk), need_facts.c.child_key.is_not(None)
            )
        ).all()
    return out


def count_repeats(conn: Connection, days: int, child_keys: list[str] | None) -> None:
    """Set ``nth`` (referrals about the same child within ``days`` days up to each one) for these children, or for
    every child (None). A late referral changes the later ones of its child, so a child is counted whole."""
    earlier = need_facts.alias("earlier")
    f = need_facts.c
    nth = (
        sa.select(sa.func.count())
        .where(
            earlier.c.child_key == f.child_key,
            earlier.c.received_at <= f.received_at,
            earlier.c.received_at >= f.received_at - days * 86400,
        )
        .scalar_subquery()
    )
    if child_keys is None:
        conn.execute(sa.update(need_facts).where(f.child_key.is_not(None)).values(nth=nth))
        return
    for start in range(0, len(child_keys), _BATCH):
        chunk = child_keys[start : start + _BATCH]
        conn.execute(sa.update(need_facts).where(f.child_key.in_(chunk)).values(nth=nth))
