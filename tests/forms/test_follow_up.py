"""The written follow-up to a phone call to the MASH: late after the receiving authority's hours, a soft warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forms import EXAMPLE_TODAY, example_answers, load_routing_table, load_spec, validate
from forms._follow_up import follow_up_hours, late_follow_up
from forms._routing import DEFAULT_FOLLOW_UP_HOURS
from tests.forms._helpers import DELETE, codes, edit

CALL = dt.datetime(2025, 6, 2, 13, 0, tzinfo=dt.UTC)  # 14:00 in England (summer time)
LATE = ("referred_at", "mash_follow_up_late")


def _table(**hours: int) -> Any:
    data = load_routing_table().model_dump(mode="json")
    for authority in data["authorities"]:
        authority["follow_up_hours"] = hours.get(authority["key"], authority["follow_up_hours"])
    return load_routing_table(data)


def test_the_message_names_the_hours_and_the_time_it_was_due_in_england() -> None:
    issue = late_follow_up(CALL, CALL + dt.timedelta(hours=25), "EX1 1AA")
    assert issue is not None
    assert (issue.path, issue.code, issue.severity) == (*LATE, "warning")
    assert issue.message == (
        "The written referral was due within 24 hours of your call to the MASH (by 3 June 2025, 14:00). "
        "Send it now and say why it is late."
    )


@pytest.mark.parametrize(
    ("hours_after", "late"),
    [(1, False), (24, False), (24.01, True), (72, True)],
)
def test_devon_allows_24_hours(hours_after: float, late: bool) -> None:
    issue = late_follow_up(CALL, CALL + dt.timedelta(hours=hours_after), "EX1 1AA")
    assert (issue is not None) is late


def test_each_authority_has_its_own_deadline() -> None:
    table = _table(torbay=4)
    assert follow_up_hours("TQ1 2AB", table) == 4
    assert follow_up_hours("EX1 1AA", table) == 24
    assert late_follow_up(CALL, CALL + dt.timedelta(hours=5), "TQ1 2AB", table) is not None
    assert late_follow_up(CALL, CALL + dt.timedelta(hours=5), "EX1 1AA", table) is None


def test_a_border_district_or_unknown_postcode_takes_the_shortest_deadline() -> None:
    table = _table(somerset=12)
    assert follow_up_hours("EX14 1AA", table) == 12  # devon or somerset: not chosen yet
    assert follow_up_hours(None, table) == 12  # no postcode: any authority in the table
    assert follow_up_hours("EX1 1AA", table) == 24


def test_every_bundled_authority_names_its_hours_and_devon_gives_24() -> None:
    table = load_routing_table()
    assert all(a.follow_up_hours >= 1 for a in table.authorities)
    devon = table.authority("devon")
    assert devon is not None
    assert devon.follow_up_hours == DEFAULT_FOLLOW_UP_HOURS == 24


def test_an_authority_without_hours_gets_the_default() -> None:
    data = load_routing_table().model_dump(mode="json")
    for authority in data["authorities"]:
        del authority["follow_up_hours"]
    assert {a.follow_up_hours for a in load_routing_table(data).authorities} == {DEFAULT_FOLLOW_UP_HOURS}


@pytest.mark.parametrize("form_id", ["hv_concern", "sn_referral"])
@pytest.mark.parametrize(
    ("changes", "late"),
    [
        ({"referred_at": "2026-12-01T09:55:00+00:00"}, False),  # exactly 24 hours after the call
        ({"referred_at": "2026-12-01T09:56:00+00:00"}, True),
        ({"referred_at": "2026-12-03T09:00:00+00:00", "mash_call_made": False, "mash_call_at": DELETE,
          "mash_call_taken_by": DELETE, "mash_call_reference": DELETE}, False),  # no call: no deadline
        ({"referred_at": "2026-12-03T09:00:00+00:00", "mash_call_made": False}, False),  # a hidden time counts as none
        ({"referred_at": "2026-12-03T09:00:00+00:00", "mash_call_at": "not a time"}, False),
    ],
)  # fmt: skip
def test_the_forms_warn_when_the_written_referral_is_late(form_id: str, changes: dict[str, Any], late: bool) -> None:
    answers = edit(example_answers(form_id), changes)
    found = codes(validate(load_spec(form_id), answers, today=EXAMPLE_TODAY))
    assert (LATE in found) is late, sorted(found)


def test_version_1_forms_have_no_call_and_no_warning() -> None:
    answers = edit(example_answers("hv_concern", 1), {"referred_at": "2027-01-01T09:00:00+00:00"})
    assert validate(load_spec("hv_concern", 1), answers, today=EXAMPLE_TODAY) == []
