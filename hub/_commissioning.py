"""Where the need is: the commissioning dashboard's counts, for MASH managers, admins and commissioners. Counts only.

Every number comes from a ``GROUP BY`` in the database (SQLAlchemy Core, the same on SQLite and PostgreSQL) over
``need_facts`` (hub._facts), which holds no name, date of birth, address or NHS number. Filters are choices from
fixed lists (an authority, a postcode district, a category, a level, an age band, an agency, an outcome, a time
grain): anything else in a request is ignored, so no filter can name a person or a record. Every table then goes
through hub._disclosure (1 to 4 as "<5", the rest rounded to 5, secondary suppression) before anyone sees it, and
the CSV downloads are made from the same suppressed tables. A user with an authority sees that authority only.
Every view is audited.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from hub import _audit, _authorities, _disclosure, _fact_codes, _facts
from hub._db import Database
from hub._decisions import DECISIONS
from hub._errors import AdminError
from hub._referral_view import LEVEL_WORDS
from hub._region_tables import authority_requests, need_facts
from hub._settings import Settings
from hub._signin import Staff
from hub._tables import records
from hub._timescales import RATING_WORDS
from protocol import RecordType, Role

DASHBOARD_ROLES: Final = frozenset({Role.MANAGER, Role.ADMIN, Role.COMMISSIONER})
GRAINS: Final = {"week": "Week", "month": "Month", "year": "Year"}
CATEGORY_WORDS: Final = {
    "physical": "Physical abuse",
    "emotional": "Emotional abuse",
    "sexual": "Sexual abuse",
    "neglect": "Neglect",
    "domestic_abuse": "Domestic abuse",
    "cse": "Child sexual exploitation",
    "cce": "Child criminal exploitation",
    "missing": "Missing from home, care or education",
    "fgm": "Female genital mutilation (FGM)",
    "forced_marriage_hba": "Forced marriage or honour-based abuse",
    "radicalisation": "Radicalisation",
    "trafficking": "Trafficking or modern slavery",
    "fii": "Fabricated or induced illness",
    "online_harm": "Online harm",
    "self_harm": "Self-harm",
}
OUTCOME_WORDS: Final = {**DECISIONS, "none": "No outcome yet"}
TIMELINESS_WORDS: Final = {
    "on_time": "Outcome sent in time",
    "late": "Outcome sent late",
    "open": "Waiting, still in time",
    "overdue": "Waiting, overdue",
}
NOT_GIVEN: Final = "Not given"
#: A request to a team, by the role of its members (records.team_role), in the dashboard's words.
_TEAM_WORDS: Final = {Role.HEALTH_VISITOR.value: "Health visiting team", Role.SCHOOL_NURSE.value: "School nursing team"}
_DISTRICT: Final = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
MAX_PERIODS: Final = 120


class Forbidden(AdminError):
    pass


@dataclass(frozen=True)
class Filters:
    authority: str = ""
    district: str = ""
    category: str = ""
    level: str = ""
    age_band: str = ""
    agency: str = ""
    outcome: str = ""
    grain: str = "month"

    def as_dict(self) -> dict[str, str]:
        return {
            "authority": self.authority,
            "district": self.district,
            "category": self.category,
            "level": self.level,
            "age_band": self.age_band,
            "agency": self.agency,
            "outcome": self.outcome,
            "grain": self.grain,
        }


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Filters from a query string: each only if it is one of its choices, else left out."""

    def pick(name: str, allowed: Any) -> str:
        value = str(params.get(name, ""))[:40]
        return value if value in allowed else ""

    district = "".join(str(params.get("district", ""))[:8].split()).upper()
    grain = pick("grain", GRAINS) or "month"
    return Filters(
        authority=pick("authority", {a.code for a in _authorities.ALL}),
        district=district if _DISTRICT.match(district) else "",
        category=pick("category", CATEGORY_WORDS),
        level=pick("level", {str(n) for n in LEVEL_WORDS}),
        age_band=pick("age_band", _facts.AGE_BANDS),
        agency=pick("agency", _facts.AGENCIES),
        outcome=pick("outcome", OUTCOME_WORDS),
        grain=grain,
    )


@dataclass(frozen=True)
class Chart:
    name: str  # for the CSV address: /dashboard/NAME.csv
    title: str
    label_heading: str
    table: _disclosure.Table
    trend: bool = False  # over time: a line, oldest first


@dataclass(frozen=True)
class AnswerTime:
    agency: str
    asked: str  # suppressed count
    answered: str
    average: str  # in words, or "Not shown: fewer than 5 answers"


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    scope: str  # "All authorities" or the authority's name
    total: str
    charts: list[Chart]
    timeliness: list[Chart]
    repeats: Chart
    repeat_rule: str
    answers: list[AnswerTime] = field(default_factory=list)
    generated_at: float = 0.0

    def chart(self, name: str) -> Chart | None:
        return next((c for c in [*self.charts, *self.timeliness, self.repeats] if c.name == name), None)


def _where(filters: Filters, authority: str | None) -> list[ColumnElement[bool]]:
    f = need_facts.c
    out: list[ColumnElement[bool]] = []
    if authority:
        out.append(f.authority == _fact_codes.authority_number(authority))
    if filters.district:
        out.append(f.district == filters.district)
    if filters.level:
        out.append(f.level == int(filters.level))
    if filters.age_band:
        out.append(f.age_band == _fact_codes.AGE_BAND[filters.age_band])
    if filters.agency:
        out.append(f.agency == _fact_codes.AGENCY[filters.agency])
    if filters.outcome:
        out.append(
            f.outcome.is_(None) if filters.outcome == "none" else f.outcome == _fact_codes.OUTCOME[filters.outcome]
        )
    if filters.category:
        out.append(_has_category(_fact_codes.CATEGORY_BIT[filters.category]))
    return out


def _has_category(bit: int) -> ColumnElement[bool]:
    return need_facts.c.categories.bitwise_and(1 << bit) != 0


def _count_by(conn: sa.Connection, column: Any, where: list[ColumnElement[bool]]) -> dict[Any, int]:
    query = sa.select(column, sa.func.count()).select_from(need_facts).where(*where).group_by(column)
    return {key: int(n) for key, n in conn.execute(query)}


def _domains() -> dict[str, tuple[Any, dict[Any, Any]]]:
    """The dimensions with a fixed list of values (each counted in the one scan): each value and what it is stored
    as (hub._fact_codes)."""
    f = need_facts.c
    return {
        "authority": (f.authority, {a.code: _fact_codes.authority_number(a.code) for a in _authorities.ALL}),
        "level": (f.level, {k: k for k in LEVEL_WORDS}),
        "age_band": (f.age_band, {k: _fact_codes.AGE_BAND[k] for k in _facts.AGE_BANDS}),
        "agency": (f.agency, {k: _fact_codes.AGENCY[k] for k in _facts.AGENCIES}),
        "outcome": (f.outcome, {k: _fact_codes.OUTCOME[k] for k in DECISIONS}),
    }


def _one_scan(
    conn: sa.Connection, where: list[ColumnElement[bool]], now: float, repeat_count: int
) -> tuple[int, dict[str, dict[Any, int]]]:
    """Every fixed-list count, the categories, the timeliness and the repeat referrals in ONE pass over the facts
    (``count(*)
    FILTER (WHERE ...)`` per value: the same SQL on SQLite and PostgreSQL, where GROUPING SETS would not be; on
    PostgreSQL a third faster than a sum of CASEs, and parallel, where GROUPING SETS measured slower still). Values
    outside the lists come back as None ("Not given")."""
    f = need_facts.c

    def n(condition: ColumnElement[bool]) -> Any:
        return sa.func.count().filter(condition)

    columns: list[Any] = [sa.func.count()]
    keys: list[tuple[str, Any]] = []
    for name, (column, values) in _domains().items():
        for value, stored in values.items():
            columns.append(n(column == stored))
            keys.append((name, value))
    for category, bit in [*_fact_codes.CATEGORY_BIT.items(), (None, _fact_codes.OTHER_CATEGORY)]:
        columns.append(n(_has_category(bit)))
        keys.append(("category", category))
    rating = {r: _fact_codes.RATING[r] for r in ("red", "amber", "green")}
    timely = _fact_codes.TIMELY
    states = {  # one small number compared per state, and the clock only for those still waiting
        "on_time": f.timely == timely["on_time"],
        "late": f.timely == timely["late"],
        "open": sa.and_(f.timely == timely["waiting"], f.due_at > now),
        "overdue": sa.and_(f.timely == timely["waiting"], f.due_at <= now),
    }
    for rating_word, stored_rating in rating.items():
        for state, condition in states.items():
            columns.append(n(sa.and_(f.rating == stored_rating, condition)))
            keys.append(("timeliness", (rating_word, state)))
    repeat = f.nth >= repeat_count  # NULL (no NHS number) is never a repeat
    for code in [a.code for a in _authorities.ALL]:
        columns.append(n(sa.and_(repeat, f.authority == _fact_codes.authority_number(code))))
        keys.append(("repeats", code))
    columns.append(n(repeat))
    keys.append(("repeats", "__all__"))
    row = conn.execute(sa.select(*columns).select_from(need_facts).where(*where)).one()
    total = int(row[0])
    out: dict[str, dict[Any, int]] = {}
    for (name, value), count in zip(keys, row[1:], strict=True):
        out.setdefault(name, {})[value] = int(count)
    for name in _domains():
        out[name][None] = total - sum(out[name].values())
    repeats = out["repeats"]
    repeats[None] = repeats.pop("__all__") - sum(repeats.values())
    return total, out


def _answer_times(conn: sa.Connection, authority: str | None) -> list[tuple[str, int, int, float | None]]:
    """(agency, asked, answered, mean seconds to the first answer): GP practices by ODS code, and other MASHs."""
    request = records.alias("request")
    response = records.alias("response")
    first = (
        sa.select(response.c.request_id, sa.func.min(response.c.created_at).label("answered_at"))
        .where(response.c.record_type == _literal(RecordType.RESPONSE))
        .group_by(response.c.request_id)
        .subquery()
    )
    query = (
        sa.select(
            request.c.practice_ods,
            request.c.team_role,
            request.c.team,
            sa.func.count(),
            sa.func.count(first.c.answered_at),
            sa.func.avg(first.c.answered_at - request.c.created_at),
        )
        .outerjoin(first, first.c.request_id == request.c.record_id)
        .where(request.c.record_type == _literal(RecordType.INFO_REQUEST))
        .group_by(request.c.practice_ods, request.c.team_role, request.c.team)
    )
    if authority:
        referral = records.alias("referral")
        mine = sa.select(referral.c.case_id).where(
            referral.c.record_type == RecordType.REFERRAL.value,
            referral.c.routed_to.in_(_labels(authority)),
        )
        query = query.where(request.c.case_id.in_(mine))
    out = [
        (_TEAM_WORDS.get(role, "Team") + f" {team}" if team else f"GP practice {ods or NOT_GIVEN}", int(n), int(a), avg)
        for ods, role, team, n, a, avg in conn.execute(query)
    ]
    ar = authority_requests.c
    mash = sa.select(
        ar.to_authority,
        sa.func.count(),
        sa.func.count(ar.answered_at),
        sa.func.avg(ar.answered_at - ar.asked_at),
    ).group_by(ar.to_authority)
    if authority:
        mash = mash.where(sa.or_(ar.from_authority == authority, ar.to_authority == authority))
    out += [(f"{_authorities.name_of(code)} MASH", int(n), int(a), avg) for code, n, a, avg in conn.execute(mash)]
    return sorted(out)


def _literal(kind: RecordType) -> Any:
    """A record type written into the SQL, not bound: SQLite uses a partial index (records_requests,
    records_responses) only when the query's own text implies the index's condition."""
    return sa.literal(kind.value, literal_execute=True)


def _labels(code: str) -> list[str]:
    found = _authorities.find(code)
    return [found.label, found.name] if found else []


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "No answers yet"
    hours = float(seconds) / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def _named(counts: Mapping[Any, int], words: Mapping[str, str], *, keep_all: bool = True) -> dict[str, int]:
    """Counts keyed by their words, every known choice present (0 if none), unknown keys as "Not given"."""
    out: dict[str, int] = {w: 0 for w in words.values()} if keep_all else {}
    for key, n in counts.items():
        label = words.get(str(key)) if key is not None else None
        label = label or NOT_GIVEN
        if n == 0 and label == NOT_GIVEN:
            continue  # a value outside the list that nobody has: no row for it
        out[label] = out.get(label, 0) + n
    return out


def _periods(counts: Mapping[Any, int], grain: str) -> dict[str, int]:
    keys = sorted(k for k in counts if k is not None)[-MAX_PERIODS:]
    dropped = sum(n for k, n in counts.items() if k not in keys)
    out = {_period_words(k, grain): counts[k] for k in keys}
    if dropped:
        out["Earlier"] = dropped
    return out


def _period_words(key: Any, grain: str) -> str:
    if grain == "week":
        day = _fact_codes.week_of(int(key))
        return f"Week of {day.day} {day:%b %Y}"
    if grain == "month":
        return f"{_fact_codes.month_of(int(key)):%B %Y}"
    return str(key)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def check(actor: Staff) -> None:
    if actor.role not in DASHBOARD_ROLES:
        raise Forbidden("The dashboard is for MASH managers and commissioners.")


def dashboard(db: Database, actor: Staff, settings: Settings, filters: Filters, *, what: str = "page") -> Dashboard:
    """The whole dashboard for ``filters``, suppressed; the view (or download, ``what``) is audited."""
    check(actor)
    authority = actor.authority or filters.authority or None  # a user of one authority sees that one only
    filters = Filters(**{**filters.as_dict(), "authority": authority or ""})
    now = settings.clock()
    with db.write() as conn:
        _facts.refresh(conn, settings)
    where = _where(filters, authority)
    f = need_facts.c
    grain_column = {"week": f.week, "month": f.month, "year": f.year}[filters.grain]
    with db.read() as conn:
        total, scan = _one_scan(conn, where, now, settings.repeat_contacts)
        level_words = {str(k): f"Level {k}: {v}" for k, v in LEVEL_WORDS.items()}
        raw = {
            "authority": _named(scan["authority"], {a.code: a.name for a in _authorities.PENINSULA}),
            "district": _named(_count_by(conn, f.district, where), {}, keep_all=False),
            "level": _named(scan["level"], level_words),
            "age_band": _named(scan["age_band"], _facts.AGE_BANDS),
            "agency": _named(scan["agency"], _facts.AGENCIES),
            "outcome": _named({k if k is not None else "none": v for k, v in scan["outcome"].items()}, OUTCOME_WORDS),
            "time": _periods(_count_by(conn, grain_column, where), filters.grain),
        }
        categories = _named(scan["category"], CATEGORY_WORDS)
        timely = scan["timeliness"]
        repeats = scan["repeats"]
        answers = _answer_times(conn, authority)
    raw["district"] = dict(sorted(raw["district"].items(), key=lambda kv: (kv[0] == NOT_GIVEN, kv[0])))
    tables, _shown = _disclosure.protect_view(raw, total)
    titles = {
        "authority": ("Referrals by local authority", "Local authority"),
        "district": ("Referrals by postcode district", "Postcode district"),
        "level": ("Referrals by the referrer's level of need", "Level of need"),
        "age_band": ("Referrals by the child's age", "Age"),
        "agency": ("Referrals by referring agency", "Referring agency"),
        "outcome": ("Referrals by outcome", "Outcome"),
        "time": (f"Referrals by {filters.grain}", GRAINS[filters.grain]),
    }
    charts = [Chart(name, *titles[name], tables[name], trend=name == "time") for name in titles]
    charts.insert(
        3,
        Chart(
            "category",
            "Referrals by category of concern (a referral may have several)",
            "Category",
            _disclosure.protect(categories, total=None),
        ),
    )
    timeliness = []
    for rating in ("red", "amber", "green"):
        counts = {TIMELINESS_WORDS[s]: timely.get((rating, s), 0) for s in TIMELINESS_WORDS}
        timeliness.append(
            Chart(
                f"timeliness_{rating}",
                f"{RATING_WORDS[rating]}: outcome against its timescale",
                "Timeliness",
                _disclosure.protect(counts, total=sum(counts.values())),
            )
        )
    repeat_counts = _named(repeats, {a.code: a.name for a in _authorities.PENINSULA})
    repeat_chart = Chart(
        "repeats",
        "Repeat referrals by local authority",
        "Local authority",
        _disclosure.protect(repeat_counts, total=sum(repeat_counts.values())),
    )
    answer_rows = [
        AnswerTime(
            agency,
            _disclosure.word(asked),
            _disclosure.word(answered),
            _hours(avg) if answered >= _disclosure.SMALL else "Not shown: fewer than 5 answers",
        )
        for agency, asked, answered, avg in answers
    ]
    done = Dashboard(
        filters=filters,
        scope=_authorities.name_of(authority) if authority else "All authorities",
        total=tables["authority"].total_shown,
        charts=charts,
        timeliness=timeliness,
        repeats=repeat_chart,
        repeat_rule=(
            f"A referral counts as a repeat when it is at least the {_ordinal(settings.repeat_contacts)} "
            f"about the same child within {settings.repeat_days} days (children with an NHS number)."
        ),
        answers=answer_rows,
        generated_at=now,
    )
    with db.write(urgent=True) as conn:
        _audit.record(
            conn,
            at=time.time(),
            actor=actor.username,
            action=f"console.dashboard_{what}",
            outcome="ok",
            detail=filters.as_dict(),
        )
    return done


def csv_rows(chart: Chart) -> list[list[str]]:
    """A chart's table for download: the same suppressed words as the page."""
    rows = [[chart.label_heading, "Referrals"]]
    rows += [[c.label, c.shown] for c in chart.table.cells]
    if chart.table.total_shown:
        rows.append(["Total", chart.table.total_shown])
    return rows
