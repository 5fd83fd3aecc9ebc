"""Dates that cannot be true: one rule per kind of date, the one owner of it.

Record validation (``forms._records``, which the hub runs on every push, and the referral check) and the field
app's screens ask these functions; nothing else decides whether a date of birth may be in the future.

- A date of birth is never after today (England) and never before 1900: a child not yet born has an expected date
  of delivery instead, its own field (``unborn_expected_date``).
- An expected date of delivery is at most 44 weeks ahead (a pregnancy is about 40). One that has passed is not
  refused: the birth may simply not be recorded yet (the concern form warns).

``today`` is the hub's date when the hub checks, never the device clock. Both rules only loosen as time passes, so
a record that was valid when it was written offline is not refused for arriving late.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

EARLIEST_BIRTH: Final = dt.date(1900, 1, 1)
LONGEST_AHEAD: Final = dt.timedelta(weeks=44)

#: (code, message) of a date that cannot be true; messages are for the person who typed the date.
Problem = tuple[str, str]

BIRTH_IN_FUTURE: Final[Problem] = (
    "in_future",
    "A date of birth cannot be in the future. For a baby not yet born, give the expected date of delivery.",
)
BIRTH_TOO_EARLY: Final[Problem] = ("too_early", "A date of birth before 1900 cannot be right: check the year.")
EXPECTED_TOO_FAR: Final[Problem] = (
    "too_far_ahead",
    "An expected date of delivery is at most 44 weeks from today: check the date.",
)


def birth_date_problem(born: dt.date, today: dt.date) -> Problem | None:
    if born > today:
        return BIRTH_IN_FUTURE
    if born < EARLIEST_BIRTH:
        return BIRTH_TOO_EARLY
    return None


def expected_date_problem(expected: dt.date, today: dt.date) -> Problem | None:
    if expected > today + LONGEST_AHEAD:
        return EXPECTED_TOO_FAR
    return None


# -- Day / Month / Year -------------------------------------------------------------------------------------------
#: What three boxes that are not a whole date are kept as (``"2025--1"``: no month): the date checker names the part.
_PARTS: Final = re.compile(r"^(\d*)-(\d*)-(\d*)$")


def date_from_parts(day: str, month: str, year: str) -> str | None:
    """What the Day, Month and Year boxes hold, as the answer: an ISO date when all three are numbers (a date that
    is not on the calendar, "30 2 2025", stays ``2025-02-30`` for the checker to refuse), None when all are blank,
    otherwise the parts as typed, ``year-month-day``, for the checker to explain."""
    d, m, y = day.strip(), month.strip(), year.strip()
    if not (d or m or y):
        return None
    if d.isdigit() and m.isdigit() and y.isdigit() and len(y) == 4 and len(d) <= 2 and len(m) <= 2:
        return f"{y}-{int(m):02d}-{int(d):02d}"
    return f"{y}-{m}-{d}"


def date_parts(answer: object) -> tuple[str, str, str]:
    """An answer (an ISO date, or ``{"value": ..., "estimated": ...}``, or parts kept as typed) as the text of the
    Day, Month and Year boxes."""
    if isinstance(answer, dict):
        answer = answer.get("value")
    if not isinstance(answer, str):
        return "", "", ""
    m = _PARTS.match(answer[:10])
    if m is None:
        return "", "", ""
    y, mo, d = m.groups()
    return (str(int(d)) if d.isdigit() else d), (str(int(mo)) if mo.isdigit() else mo), y


def missing_part(raw: object) -> str | None:
    """The first part ("day", "month", "year") missing from a date kept as typed in three boxes, else None."""
    m = _PARTS.match(raw) if isinstance(raw, str) else None
    if m is None:
        return None
    y, mo, d = m.groups()
    for name, part in (("day", d), ("month", mo), ("year", y)):
        if not part:
            return name
    return None
