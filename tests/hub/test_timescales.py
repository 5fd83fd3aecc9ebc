"""The working-hours arithmetic behind every deadline the console shows, as a table worked out by hand.

Working hours are Monday to Friday 09:00-17:00 Europe/London. 2026-11-30 is a Monday (GMT, UTC+0); British Summer
Time ends on 2026-10-25 and starts on 2027-03-28; 2026-12-25, 26 and 28 (Boxing Day observed) and 2027-03-26, 29
(Good Friday, Easter Monday) are bank holidays.
"""

from __future__ import annotations

import datetime as dt

import pytest

from hub._timescales import Timescale, Timescales, WorkingHours, add_working_time, is_overdue, time_left_words

UTC = dt.UTC
LONDON = WorkingHours().tz


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def london(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


DUE = [
    # (what, received, rating, due in UTC)
    ("amber inside hours, Mon 10:00", utc(2026, 11, 30, 10), "amber", utc(2026, 12, 3, 10)),
    ("amber from a Friday afternoon runs over the weekend", utc(2026, 11, 27, 16), "amber", utc(2026, 12, 2, 16)),
    ("amber received on a Saturday starts on Monday 09:00", utc(2026, 11, 28, 12), "amber", utc(2026, 12, 2, 17)),
    ("amber received before opening starts at 09:00", utc(2026, 11, 30, 7), "amber", utc(2026, 12, 2, 17)),
    ("amber received after closing starts next morning", utc(2026, 11, 30, 18), "amber", utc(2026, 12, 3, 17)),
    ("amber ending exactly at closing time", utc(2026, 12, 1, 9), "amber", utc(2026, 12, 3, 17)),
    ("amber over Christmas skips 25, 26 and 28 December", utc(2026, 12, 24, 16), "amber", utc(2026, 12, 31, 16)),
    ("green over Easter and the spring clock change", utc(2027, 3, 25, 16), "green", utc(2027, 4, 9, 15)),
    ("amber over the autumn clock change", london(2026, 10, 23, 15), "amber", utc(2026, 10, 28, 15)),
    ("red inside hours: four hours on the clock", utc(2026, 11, 30, 10), "red", utc(2026, 11, 30, 14)),
    ("red out of hours is worked to completion overnight", utc(2026, 11, 30, 20), "red", utc(2026, 12, 1, 0)),
    ("red on a Saturday runs on the Saturday", utc(2026, 11, 28, 12), "red", utc(2026, 11, 28, 16)),
    ("red on Christmas Day runs on Christmas Day", utc(2026, 12, 25, 9), "red", utc(2026, 12, 25, 13)),
    ("red across the autumn clock change is 4 real hours", utc(2026, 10, 25, 0, 30), "red", utc(2026, 10, 25, 4, 30)),
]


@pytest.mark.parametrize(("what", "received", "rating", "due"), DUE, ids=[row[0] for row in DUE])
def test_due(what: str, received: dt.datetime, rating: str, due: dt.datetime) -> None:
    assert Timescales().due(received, rating) == due


@pytest.mark.parametrize("rating", ["blue", None, "purple"])
def test_no_timescale(rating: str | None) -> None:
    assert Timescales().due(utc(2026, 11, 30, 10), rating) is None


def test_a_hub_sets_its_own_timescales_and_hours() -> None:
    scales = Timescales(
        by_rating={"red": Timescale(2, around_the_clock=True), "amber": Timescale(8)},
        working=WorkingHours(weekdays=frozenset({0, 1, 2, 3, 4, 5}), start=dt.time(8), end=dt.time(18)),
    )
    assert scales.due(utc(2026, 11, 30, 10), "red") == utc(2026, 11, 30, 12)
    # Saturday works in this hub: Friday 17:00 + 1 h, Saturday 08:00 + 7 h.
    assert scales.due(utc(2026, 11, 27, 17), "amber") == utc(2026, 11, 28, 15)
    assert scales.due(utc(2026, 11, 27, 17), "green") is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_time(dt.datetime(2026, 11, 30, 10), dt.timedelta(hours=1), WorkingHours())


def test_a_week_with_no_working_day_fails_instead_of_looping() -> None:
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(utc(2026, 11, 30), dt.timedelta(hours=1), WorkingHours(weekdays=frozenset()))


WORDS = [
    (dt.timedelta(hours=2, minutes=10), "2 hours 10 minutes left"),
    (dt.timedelta(hours=2, minutes=10, seconds=59), "2 hours 10 minutes left"),
    (dt.timedelta(hours=1), "1 hour left"),
    (dt.timedelta(minutes=1), "1 minute left"),
    (dt.timedelta(seconds=30), "Less than a minute left"),
    (dt.timedelta(days=2, hours=3), "2 days 3 hours left"),
    (dt.timedelta(0), "Overdue by 1 minute"),
    (-dt.timedelta(minutes=35), "Overdue by 35 minutes"),
    (-dt.timedelta(minutes=34, seconds=1), "Overdue by 35 minutes"),
    (-dt.timedelta(days=1, minutes=5), "Overdue by 1 day 5 minutes"),
]


@pytest.mark.parametrize(("left", "words"), WORDS, ids=[w for _, w in WORDS])
def test_time_left_in_words(left: dt.timedelta, words: str) -> None:
    now = utc(2026, 11, 30, 10)
    assert time_left_words(now, now + left) == words


def test_overdue() -> None:
    now = utc(2026, 11, 30, 10)
    assert is_overdue(now, now)
    assert is_overdue(now, now - dt.timedelta(seconds=1))
    assert not is_overdue(now, now + dt.timedelta(seconds=1))
    assert not is_overdue(now, None)
    assert time_left_words(now, None) == "No timescale"
