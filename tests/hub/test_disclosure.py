"""Small-number suppression and rounding: no count of 1 to 4 can be worked out from what a table shows, for any
table and for every combination of the dashboard's filters over random data, nor from the difference of two views.

The check here is independent of hub._disclosure's interval reasoning: for each "<5" cell it enumerates every value
the other cells (each shown count is a rounded one: within 2 of what it shows) and the total allow (subset sums),
and fails if only one is possible.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub import Settings, _authorities, _commissioning, _disclosure, _fact_codes, _facts
from hub._db import Database
from hub._migrations import migrate
from hub._region_tables import need_facts
from hub._signin import Staff
from hub._tables import counters
from protocol import Role
from tests.support.fuzz import examples

LESS, HIDDEN, WITHHELD = _disclosure.LESS_THAN, _disclosure.HIDDEN, _disclosure.WITHHELD


def _sums(ranges: Sequence[range]) -> set[int]:
    sums = {0}
    for r in ranges:
        sums = {s + v for s in sums for v in r}
    return sums


def could_be(shown: str, big: int) -> range:
    """Every count a reader could take ``shown`` for: a mark's range, or each count that rounds to the number."""
    marks = {LESS: range(1, 5), HIDDEN: range(5, big), WITHHELD: range(0, big)}
    if shown in marks:
        return marks[shown]
    return range(0, 1) if shown == "0" else range(max(5, int(shown) - 2), int(shown) + 3)


def _ranges(cells: Sequence[_disclosure.Cell], big: int) -> tuple[int, dict[str, range]]:
    return 0, {c.label: could_be(c.shown, big) for c in cells}


def worked_out(tables: Sequence[_disclosure.Table], total_shown: str) -> list[str]:
    """The "<5" cells (table number: label) with one possible value, given every shown cell and mark of tables that
    partition one total, and that total as shown: each table's possible sums, intersected, are the possible totals."""
    big = 3 * max([t.total for t in tables] + [0]) + 25  # far past any total: a hidden cell is only known >= 5
    totals = set(range(big)) if total_shown in ("", HIDDEN) else set(could_be(total_shown, big))
    for table in tables:
        known, marked = _ranges(table.cells, big)
        totals &= {known + s for s in _sums(list(marked.values()))}
    out = []
    for n, table in enumerate(tables):
        known, marked = _ranges(table.cells, big)
        for label, own in marked.items():
            if own != range(1, 5):
                continue
            others = _sums([r for other, r in marked.items() if other != label])
            possible = {v for v in own for t in totals if t - known - v in others}
            if len(possible) <= 1:
                out.append(f"{n}: {label}")
    return out


def check_cells(table: _disclosure.Table) -> None:
    for cell in table.cells:
        if 1 <= cell.value <= 4:
            assert cell.shown in (LESS, HIDDEN, WITHHELD), cell
        elif cell.shown not in (LESS, HIDDEN, WITHHELD):
            assert cell.shown == str(5 * round(cell.value / 5))  # to the nearest 5: 7 as 5, 8 as 10
        if cell.shown == HIDDEN:
            assert cell.value >= 5  # secondary cells are real counts of 5 or more (0 is never hidden)
        if cell.shown == WITHHELD:  # a view withheld whole: every cell of it
            assert {c.shown for c in table.cells} == {WITHHELD}
            assert table.total_shown == HIDDEN
    if 1 <= table.total <= 4:
        assert table.total_shown in (LESS, HIDDEN, "")


def check_view(tables: Sequence[_disclosure.Table]) -> None:
    for table in tables:
        check_cells(table)
    assert len({t.total_shown for t in tables}) == 1
    assert worked_out(tables, tables[0].total_shown) == []


def check_table(table: _disclosure.Table) -> None:
    check_cells(table)
    if table.total_shown:
        assert worked_out([table], table.total_shown) == []


counts = st.dictionaries(
    st.sampled_from([f"cell {i}" for i in range(8)]), st.integers(min_value=0, max_value=40), min_size=1, max_size=8
)


@settings(max_examples=examples(2000, 20000), deadline=None)
@given(counts)
def test_no_small_cell_can_be_worked_out_from_one_table(cells: dict[str, int]) -> None:
    check_table(_disclosure.protect(cells, total=sum(cells.values())))
    check_table(_disclosure.protect(cells, total=None))


@settings(max_examples=examples(500, 5000), deadline=None)
@given(st.lists(counts, min_size=1, max_size=4))
def test_tables_that_share_a_total_share_its_suppression(tables: list[dict[str, int]]) -> None:
    # Each table partitions the same total: scale the last cell of each so they all sum to the largest.
    total = max(sum(t.values()) for t in tables)
    shaped = {}
    for n, t in enumerate(tables):
        t = dict(t)
        t["rest"] = total - sum(t.values())
        shaped[f"table {n}"] = t
    done, shown = _disclosure.protect_view(shaped, total)
    assert shown == (next(iter(done.values())).total_shown != HIDDEN)
    check_view(list(done.values()))


def test_a_total_pinned_by_another_table_is_loosened() -> None:
    # Outcome: 4 and 4 of 8, each "<5", say the total is at most 8; the authority table's 8 (shown as 10, so 8 to 12)
    # would pin it at 8, and both 4s with it. The total goes, then the authority's cell.
    done, shown = _disclosure.protect_view({"authority": {"a": 8, "b": 0}, "outcome": {"x": 4, "y": 4}}, 8)
    assert not shown
    assert {c.label: c.shown for c in done["authority"].cells} == {"a": HIDDEN, "b": "0"}
    check_view(list(done.values()))


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"a": 7, "b": 2}, {"a": "5", "b": LESS}),  # 10 (8 to 12) less 5 (5 to 7) leaves b 1 to 7: not given away
        # 7 shows as 5 (so at most 7), and 1 + 1 + 5 is at least 7: each 1 would be given away. c goes, and the total.
        ({"a": 1, "b": 1, "c": 5}, {"a": LESS, "b": LESS, "c": HIDDEN}),
        ({"a": 20, "b": 2, "c": 3}, {"a": "20", "b": LESS, "c": LESS}),  # two small cells: b + c = 5 is both 1..4
        ({"a": 0, "b": 7}, {"a": "0", "b": "5"}),  # to the nearest 5
        ({"a": 4, "b": 4}, {"a": LESS, "b": LESS}),  # total hidden: 8 would make both 4
    ],
)
def test_known_tables(cells: dict[str, int], expected: dict[str, str]) -> None:
    table = _disclosure.protect(cells, total=sum(cells.values()))
    assert {c.label: c.shown for c in table.cells} == expected
    check_table(table)


def test_a_total_of_four_ones_is_hidden() -> None:
    table = _disclosure.protect({"a": 1, "b": 1, "c": 1, "d": 1}, total=4)
    assert table.total_shown == HIDDEN
    check_table(table)


# The dashboard over random data and every kind of filter.

_CODES = [a.code for a in _authorities.PENINSULA]
_DISTRICTS = ["EX1", "TQ1", "PL1", "TR1", None]
_FILTERS = st.builds(
    dict,
    authority=st.sampled_from(["", *_CODES]),
    district=st.sampled_from(["", "EX1", "TQ1", "PL1", "TR1"]),
    category=st.sampled_from(["", "neglect", "physical", "online_harm"]),
    level=st.sampled_from(["", "1", "2", "3", "4"]),
    age_band=st.sampled_from(["", *_facts.AGE_BANDS]),
    agency=st.sampled_from(["", *_facts.AGENCIES]),
    outcome=st.sampled_from(["", "none", "nfa", "s47"]),
    grain=st.sampled_from(list(_commissioning.GRAINS)),
)


def _fact(rng: random.Random, n: int, start: float) -> tuple[dict[str, object], list[str]]:
    at = start + rng.random() * 200 * 86400
    week, month, year = _facts.buckets(at, dt.UTC)
    rating = rng.choice([None, "red", "amber", "green", "blue"])
    due = at + 4 * 3600 if rating in ("red", "amber", "green") else None
    decided = at + rng.random() * 8 * 3600 if rng.random() < 0.5 else None
    row = {
        "record_id": f"r{n:06d}",
        "authority": rng.choice([*_CODES, None]),
        "district": rng.choice(_DISTRICTS),
        "level": rng.choice([1, 2, 3, 4, None]),
        "age_band": rng.choice([*_facts.AGE_BANDS, None]),
        "agency": rng.choice(list(_facts.AGENCIES)),
        "received_at": at,
        "week": week,
        "month": month,
        "year": year,
        "child_key": f"child{rng.randrange(max(n // 3, 1))}" if rng.random() < 0.8 else None,
        "rating": rating,
        "outcome": rng.choice(["nfa", "s47", "early_help"]) if decided else None,
        "decided_at": decided,
        "due_at": due,
        "screened_at": None,
    }
    cats = rng.sample(["neglect", "physical", "online_harm", "emotional"], rng.randrange(0, 3))
    return row, cats


@pytest.fixture(scope="module")
def facts_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('facts') / 'hub.sqlite3'}", pool_size=1)
    migrate(db)
    yield db
    db.dispose()


def _load(db: Database, seed: int, size: int) -> None:
    rng = random.Random(seed)
    rows = [_fact_codes.encode_fact(*_fact(rng, n, 1_790_000_000)) for n in range(size)]
    with db.write() as conn:
        conn.execute(sa.delete(need_facts))
        conn.execute(sa.delete(counters).where(counters.c.name == "facts_window"))  # count repeats afresh
        if rows:
            conn.execute(sa.insert(need_facts), rows)


COMMISSIONER = Staff("c", "comm1", "Commissioner", Role.COMMISSIONER, "Region")


@settings(max_examples=examples(40, 400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), size=st.integers(0, 120), chosen=_FILTERS)
def test_no_small_count_can_be_worked_out_on_the_dashboard(
    facts_db: Database, seed: int, size: int, chosen: dict[str, str]
) -> None:
    _load(facts_db, seed, size)
    board = _commissioning.dashboard(
        facts_db, COMMISSIONER, Settings(db_url="sqlite://"), _commissioning.parse_filters(chosen)
    )
    for chart in [*board.timeliness, board.repeats, *(c for c in board.charts if c.name == "category")]:
        check_table(chart.table)
    # The tables that partition the referrals of the view: together, and with the headline total.
    partitions = [c.table for c in board.charts if c.name != "category"]
    assert {t.total_shown for t in partitions} == {board.total}
    assert len({t.total for t in partitions}) == 1
    check_view(partitions)
    for row in board.answers:
        assert row.asked not in {"1", "2", "3", "4"}


def test_the_dashboard_counts_are_the_facts_counts(facts_db: Database) -> None:
    _load(facts_db, 7, 300)
    board = _commissioning.dashboard(facts_db, COMMISSIONER, Settings(db_url="sqlite://"), _commissioning.Filters())
    with facts_db.read() as conn:
        by = dict(
            conn.execute(sa.select(need_facts.c.authority, sa.func.count()).group_by(need_facts.c.authority)).all()
        )
    chart = board.chart("authority")
    assert chart is not None
    got = {c.label: c.value for c in chart.table.cells}
    for a in _authorities.PENINSULA:
        assert got[a.name] == by.get(_fact_codes.authority_number(a.code), 0)
    assert chart.table.total == 300
    assert list(itertools.islice((c.shown for c in chart.table.cells), 1))  # words, never empty


def test_the_timeliness_counts_are_the_facts_times(facts_db: Database) -> None:
    """Each rating's outcome against its timescale, counted from the stored times by hand, at a fixed clock."""
    _load(facts_db, 11, 400)
    now = 1_790_000_000 + 100 * 86400  # half the facts' span: some waiting referrals are overdue, some not
    settings = Settings(db_url="sqlite://", clock=lambda: now)
    board = _commissioning.dashboard(facts_db, COMMISSIONER, settings, _commissioning.Filters())
    with facts_db.read() as conn:
        rows = conn.execute(sa.select(need_facts.c.rating, need_facts.c.decided_at, need_facts.c.due_at)).all()
    for rating in ("red", "amber", "green"):
        timed = [r for r in rows if r.rating == _fact_codes.RATING[rating] and r.due_at is not None]
        want = {
            "on_time": sum(r.decided_at is not None and r.decided_at <= r.due_at for r in timed),
            "late": sum(r.decided_at is not None and r.decided_at > r.due_at for r in timed),
            "open": sum(r.decided_at is None and r.due_at > now for r in timed),
            "overdue": sum(r.decided_at is None and r.due_at <= now for r in timed),
        }
        assert min(want.values()) > 0  # every state is exercised
        chart = board.chart(f"timeliness_{rating}")
        assert chart is not None
        assert {c.label: c.value for c in chart.table.cells} == {
            _commissioning.TIMELINESS_WORDS[state]: count for state, count in want.items()
        }


def test_a_view_too_small_to_break_down_is_withheld_whole() -> None:
    """Found by the dashboard fuzzer: a total of 4 (shown "<5"), and a table with four cells of "<5" and the rest 0,
    so each of the four is 1. Nothing is left to hide, so every count of the view is withheld, zeros too."""
    tables = {
        "authority": {"Cornwall": 4, "Devon": 0},
        "agency": {"Health visiting": 2, "School nursing": 1, "Another agency": 1},
        "time": {"week 1": 1, "week 2": 1, "week 3": 1, "week 4": 1, "week 5": 0},
    }
    done, total_shown = _disclosure.protect_view(tables, 4)
    assert not total_shown
    assert {c.shown for t in done.values() for c in t.cells} == {WITHHELD}
    check_view(list(done.values()))
    # A larger view of the same shape is shown as before: only the small cells marked.
    bigger, shown = _disclosure.protect_view({"time": {"week 1": 9, "week 2": 1}, "agency": {"gp": 10}}, 10)
    assert shown
    assert WITHHELD not in {c.shown for t in bigger.values() for c in t.cells}


def _differences(first: str, second: str) -> set[int]:
    """Every difference a reader could take two shown counts for (the first less the second), above 0."""
    big = 10**4
    return {a - b for a in could_be(first, big) for b in could_be(second, big) if a - b > 0}


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_two_counts_that_differ_by_a_few_never_show_by_how_many(small: int) -> None:
    """Differencing: a count and the same count less a few (Devon, and Devon less one district) are published so
    that their difference could be several numbers. Published exactly (as before rounding), it would be one."""
    for count in range(small, 2000):
        shown = (_disclosure.word(count), _disclosure.word(count - small))
        assert small in _differences(*shown)
        assert len(_differences(*shown)) >= 2, (count, shown)


def _load_rows(db: Database, rows: list[tuple[dict[str, object], list[str]]]) -> None:
    with db.write() as conn:
        conn.execute(sa.delete(need_facts))
        conn.execute(sa.delete(counters).where(counters.c.name == "facts_window"))
        conn.execute(sa.insert(need_facts), [_fact_codes.encode_fact(*row) for row in rows])


@pytest.mark.parametrize("small", [1, 2, 3, 4])
@pytest.mark.parametrize("size", [23, 58, 104, 511])
def test_devon_less_one_district_never_gives_the_districts_small_count_away(
    facts_db: Database, small: int, size: int
) -> None:
    """The differencing attack on the real dashboard: Devon's view, and Devon's view of one district, which holds
    all but ``small`` of Devon's referrals. The two totals shown leave the rest any of several numbers."""
    rng = random.Random(size * 10 + small)
    devon = next(a.code for a in _authorities.PENINSULA if a.name.startswith("Devon"))
    rows = []
    for n in range(size):
        row, cats = _fact(rng, n, 1_790_000_000)
        rows.append(({**row, "authority": devon, "district": "EX1" if n >= small else "EX4"}, cats))
    _load_rows(facts_db, rows)
    settings_ = Settings(db_url="sqlite://")
    wide = _commissioning.dashboard(
        facts_db, COMMISSIONER, settings_, _commissioning.parse_filters({"authority": devon})
    )
    narrow = _commissioning.dashboard(
        facts_db, COMMISSIONER, settings_, _commissioning.parse_filters({"authority": devon, "district": "EX1"})
    )
    assert (wide.charts[0].table.total, narrow.charts[0].table.total) == (size, size - small)
    assert HIDDEN not in (wide.total, narrow.total)  # both totals shown: the attack has what it needs
    assert small in _differences(wide.total, narrow.total)
    assert len(_differences(wide.total, narrow.total)) >= 2, (wide.total, narrow.total)
