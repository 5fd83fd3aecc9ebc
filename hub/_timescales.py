"""Ratings and their timescales: when a contact is due, and the time left in words. Pure (no I/O, no clock).

A timescale runs from the time the hub received the referral. Red is "worked to completion": its hours run on the
clock, day and night. Amber and green count working hours only: by default Monday to Friday 09:00 to 17:00,
Europe/London (so clock changes are handled by the time zone), skipping England and Wales bank holidays from the
``holidays`` package. Blue has no MASH timescale. Time left and overdue are computed from these, never stored.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final
from zoneinfo import ZoneInfo

import holidays

RATINGS: Final = ("red", "amber", "green", "blue")
RATING_WORDS: Final = {
    "red": "Red",
    "amber": "Amber",
    "green": "Green",
    "blue": "Blue",
}


@dataclass(frozen=True)
class Timescale:
    """How long a rating allows: ``hours`` (None: no MASH timescale), counted on the clock or in working hours."""

    hours: float | None
    around_the_clock: bool = False


DEFAULT_TIMESCALES: Final = {
    "red": Timescale(4, around_the_clock=True),
    "amber": Timescale(24),
    "green": Timescale(72),
    "blue": Timescale(None),
}


@dataclass(frozen=True)
class WorkingHours:
    """The hub's working week: which weekdays (Monday is 0), from when to when, in which time zone."""

    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)
    zone: str = "Europe/London"

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def is_holiday(self, day: dt.date) -> bool:
        return day in _bank_holidays(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and not self.is_holiday(day)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working window of ``day`` as aware datetimes (None on a weekend or bank holiday)."""
        return _window(self, day)


@dataclass(frozen=True)
class Timescales:
    """A hub's setting: the timescale of each rating and its working hours."""

    by_rating: dict[str, Timescale] = field(default_factory=lambda: dict(DEFAULT_TIMESCALES))
    working: WorkingHours = field(default_factory=WorkingHours)

    def due(self, received: dt.datetime, rating: str | None) -> dt.datetime | None:
        """When a contact received at ``received`` (aware) and rated ``rating`` is due; None without a timescale."""
        scale = self.by_rating.get(rating or "")
        if scale is None or scale.hours is None:
            return None
        span = dt.timedelta(hours=scale.hours)
        if scale.around_the_clock:
            return received.astimezone(dt.UTC) + span
        return add_working_time(received, span, self.working)


@functools.lru_cache(maxsize=4096)
def _window(hours: WorkingHours, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    # Cached: the queue asks for the same few weeks of days for every referral on every page load.
    if not hours.is_working_day(day):
        return None
    return dt.datetime.combine(day, hours.start, hours.tz), dt.datetime.combine(day, hours.end, hours.tz)


_HOLIDAYS: dict[int, frozenset[dt.date]] = {}


def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share their bank holidays; "ENG" is England in the holidays package's GB subdivisions.
    if year not in _HOLIDAYS:
        days = holidays.country_holidays("GB", subdiv="ENG", years=year)
        _HOLIDAYS[year] = frozenset(days.keys())
    return _HOLIDAYS[year]


@functools.lru_cache(maxsize=65536)  # pure, and asked again for every referral at every queue load
def add_working_time(start: dt.datetime, span: dt.timedelta, hours: WorkingHours) -> dt.datetime:
    """``start`` plus ``span`` of working time: time outside the working windows does not count. Returns UTC."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    left = span
    local = start.astimezone(hours.tz)
    day = local.date()
    for _ in range(3660):  # ten years of days: a week with no working day at all must not loop for ever
        window = hours.window(day)
        if window is not None:
            begin = max(window[0], local)
            if begin < window[1]:
                available = window[1] - begin
                if left <= available:
                    return (begin + left).astimezone(dt.UTC)
                left -= available
        day += dt.timedelta(days=1)
    raise ValueError("no working time in the working week")


def _amount(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hrs, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hrs:
        parts.append(f"{hrs} hour{'s' if hrs != 1 else ''}")
    if mins or not parts:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


def time_left_words(now: dt.datetime, due: dt.datetime | None) -> str:
    """ "2 hours 10 minutes left", "Overdue by 35 minutes", or "No timescale". Rounded to whole minutes: time left
    down (never promise more than there is), overdue up (once a second late, it is late)."""
    if due is None:
        return "No timescale"
    seconds = (due - now).total_seconds()
    if seconds >= 60:
        return f"{_amount(int(seconds // 60))} left"
    if seconds > 0:
        return "Less than a minute left"
    late = -seconds
    return f"Overdue by {_amount(max(1, int(-(-late // 60))))}"


def when_words(when: dt.datetime | None, tz: ZoneInfo) -> str:
    """ "16:00 on 2 December 2026" in the hub's time zone."""
    if when is None:
        return "Not given"
    local = when.astimezone(tz)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def is_overdue(now: dt.datetime, due: dt.datetime | None) -> bool:
    return due is not None and now >= due
