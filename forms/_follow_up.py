"""The written follow-up to a phone call to the MASH: due within the receiving authority's ``follow_up_hours``.

A spec rule cannot say this: the deadline is routing data (per authority, forms/data/la_routing.json) and the message
names the time it was due. So it is a small check of its own, run by the engine next to the spec's rules on every
form that asks when the MASH was phoned (``mash_call_at``) and when the referral was written (``referred_at``). It
is a soft warning: the referral still goes (late is better than never), with the reason it is late.

The authority is the one the first child's postcode routes to; for a border district or an unknown postcode, the
shortest deadline among the authorities it may go to (the user has not chosen yet, and warning early is the safe
side).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forms._issues import IssueCode, ValidationIssue, warning
from forms._routing import RoutingTable, route

if TYPE_CHECKING:
    from forms._engine import Scope

CALL_AT: Final = "mash_call_at"
WRITTEN_AT: Final = "referred_at"
PATH: Final = WRITTEN_AT


def applies(scope: Scope) -> bool:
    """Whether the form asks both times (the check runs on the form's own level only)."""
    return CALL_AT in scope.node.fields and WRITTEN_AT in scope.node.fields


def follow_up_hours(postcode: object, table: RoutingTable | None = None) -> int:
    """The hours allowed for the written follow-up to a call about a child at ``postcode``."""
    routing = route(postcode, table)
    if routing.authority is not None:
        return routing.authority.follow_up_hours
    return min(a.follow_up_hours for a in routing.candidates)


def late_follow_up(
    called_at: dt.datetime | None, written_at: dt.datetime | None, postcode: object, table: RoutingTable | None = None
) -> ValidationIssue | None:
    """A warning when the referral is written later than the deadline after the call; None when on time or unknown."""
    if called_at is None or written_at is None:
        return None
    hours = follow_up_hours(postcode, table)
    due = called_at + dt.timedelta(hours=hours)
    if written_at <= due:
        return None
    return warning(
        PATH,
        IssueCode.MASH_FOLLOW_UP_LATE,
        f"The written referral was due within {hours} hours of your call to the MASH (by {_words(due)}). "
        "Send it now and say why it is late.",
    )


def check(scope: Scope) -> ValidationIssue | None:
    """The engine's call: the form's answers as logic sees them (a hidden or invalid time counts as none)."""
    if not applies(scope):
        return None
    children = scope.items("children") if "children" in scope.node.fields else ()
    postcode = children[0].get("postcode") if children and "postcode" in children[0].node.fields else None
    called, written = scope.get(CALL_AT), scope.get(WRITTEN_AT)
    if not isinstance(called, dt.datetime) or not isinstance(written, dt.datetime):
        return None
    return late_follow_up(called, written, postcode)


def _words(when: dt.datetime) -> str:
    """3 June 2025, 14:00, in England's time (the time people were told on the phone)."""
    try:
        local = when.astimezone(ZoneInfo("Europe/London"))
    except (ZoneInfoNotFoundError, ValueError):
        local = when.astimezone(dt.UTC)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"
