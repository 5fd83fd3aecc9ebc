"""The facts' stored codes (hub._fact_codes): every value of every closed list has its own number, every category its
own bit, weeks, months and facts go in and come out unchanged, and each fact knows where it stands against its
timescale."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from hub import _authorities, _commissioning, _fact_codes, _facts
from hub._decisions import DECISIONS
from hub._timescales import RATINGS


def test_every_value_of_every_list_has_its_own_number() -> None:
    for table, values in (
        (_fact_codes.AGE_BAND, _facts.AGE_BANDS),
        (_fact_codes.AGENCY, _facts.AGENCIES),
        (_fact_codes.RATING, RATINGS),
        (_fact_codes.OUTCOME, DECISIONS),
    ):
        assert set(table) == set(values)
        assert len(set(table.values())) == len(table)
        assert all(_fact_codes.word(table, _fact_codes.code(table, v)) == v for v in values)


def test_every_category_has_its_own_bit_below_the_other_bit() -> None:
    bits = _fact_codes.CATEGORY_BIT
    assert set(bits) == set(_commissioning.CATEGORY_WORDS)
    assert len(set(bits.values())) == len(bits)
    assert max(bits.values()) < _fact_codes.OTHER_CATEGORY < 31  # a signed 32-bit column holds them all


def test_a_value_outside_a_list_is_stored_as_not_given() -> None:
    assert _fact_codes.code(_fact_codes.RATING, "purple") is None
    assert _fact_codes.code(_fact_codes.RATING, None) is None
    assert _fact_codes.word(_fact_codes.RATING, 99) is None
    assert _fact_codes.category_bits(["neglect", "made_up"]) == (1 << 3) | (1 << _fact_codes.OTHER_CATEGORY)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_weeks_and_months_come_back_as_they_went_in(day: dt.date) -> None:
    assert _fact_codes.week_of(_fact_codes.week_number(day)) == day
    assert _fact_codes.month_of(_fact_codes.month_number(day)) == day.replace(day=1)
    later = day + dt.timedelta(days=1) if day < dt.date(9999, 12, 31) else day
    assert _fact_codes.week_number(later) >= _fact_codes.week_number(day)  # numbers sort as the dates do


def test_a_fact_is_stored_with_codes_and_bits() -> None:
    row = {"record_id": "r1", "authority": "E06000027", "age_band": "1-4", "agency": "school_nursing",
           "rating": "amber", "outcome": "s47"}  # fmt: skip
    stored = _fact_codes.encode_fact(row, ["physical", "neglect"])
    assert stored == {
        "record_id": "r1", "authority": 106_000_027, "age_band": 3, "agency": 2, "rating": 2, "outcome": 5,
        "categories": 0b1001, "timely": None,
    }  # fmt: skip


def test_where_a_fact_stands_against_its_timescale() -> None:
    t = _fact_codes.TIMELY
    assert _fact_codes.timeliness(None, None) is None  # blue, unrated: no timescale
    assert _fact_codes.timeliness(100.0, None) is None
    assert _fact_codes.timeliness(None, 200.0) == t["waiting"]
    assert _fact_codes.timeliness(200.0, 200.0) == t["on_time"]  # decided on the minute it was due: in time
    assert _fact_codes.timeliness(199.0, 200.0) == t["on_time"]
    assert _fact_codes.timeliness(200.5, 200.0) == t["late"]
    assert len(set(t.values())) == len(t)


def test_every_authority_the_routing_table_names_has_its_own_number() -> None:
    numbers = {a.code: _fact_codes.authority_number(a.code) for a in _authorities.ALL}
    assert len(set(numbers.values())) == len(numbers)
    assert all(isinstance(n, int) and 0 < n < 2**31 for n in numbers.values())  # an INTEGER column holds it
    assert {_fact_codes.authority_code(n) for n in numbers.values()} == set(numbers)
    assert _fact_codes.authority_number("E10000008") == 110_000_008


@given(st.from_regex(r"[EWSN][0-9]{8}", fullmatch=True))
def test_every_gss_code_comes_back_as_it_went_in(code: str) -> None:
    assert _fact_codes.authority_code(_fact_codes.authority_number(code)) == code


def test_what_is_not_a_gss_code_is_not_given() -> None:
    for bad in ("", "E1000000", "X10000008", "E1000000A", None, 10000008, "E100000089"):
        assert _fact_codes.authority_number(bad) is None
    for bad in (None, "110000008", 0, 5 * 10**8, -1):
        assert _fact_codes.authority_code(bad) is None
