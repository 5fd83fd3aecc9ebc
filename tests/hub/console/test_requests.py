"""Information requests from a referral's page: to a GP practice, with the rating's deadline; the GP's device pulls
and answers; the answer shows beside the others."""

from __future__ import annotations

import datetime as dt

from hub._timescales import Timescales
from tests.hub._records import response_fields
from tests.hub.conftest import Clock, Hub, mutation
from tests.hub.console.conftest import Browser, push_referral, soup


def _request_panel(page: object, n: int = 1) -> str:
    return soup(page).find(id=f"request-{n}").get_text(" ", strip=True)  # type: ignore[arg-type]


def test_request_answer_and_read_side_by_side(browser: Browser, staff: str, hub: Hub, clock: Clock) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    unrated = browser.post(f"/referrals/{record_id}/request", {"practice_ods": "A81001", "questions": "Known?"})
    assert unrated.status_code == 400
    assert "Rate the referral red, amber or green first" in soup(unrated).find(class_="govuk-error-summary").get_text()
    browser.get(f"/referrals/{record_id}")
    browser.post(f"/referrals/{record_id}/rate", {"rating": "amber"})
    browser.get(f"/referrals/{record_id}")
    bad = browser.post(f"/referrals/{record_id}/request", {"practice_ods": "nonsense", "questions": "Known?"})
    assert bad.status_code == 400
    assert soup(bad).find(class_="govuk-error-summary").find("a")["href"] == "#practice_ods"
    browser.get(f"/referrals/{record_id}")
    empty = browser.post(f"/referrals/{record_id}/request", {"practice_ods": "A81001", "questions": " \n "})
    assert "Enter at least one question" in soup(empty).find(class_="govuk-error-summary").get_text()
    browser.get(f"/referrals/{record_id}")
    sent = browser.post(
        f"/referrals/{record_id}/request",
        {"practice_ods": "a81001", "questions": "Is the family known?\nAny A&E visits?"},
    )
    assert sent.status_code == 303
    page = browser.get(f"/referrals/{record_id}?done=request")
    assert "Information request sent" in soup(page).find(class_="govuk-notification-banner").get_text()
    panel = _request_panel(page)
    assert "to GP practice A81001 Sent" in panel
    assert soup(browser.get("/?status=information_requested")).find("tr", attrs={"data-record": record_id})
    assert "Is the family known?" in panel
    assert "Any A&E visits?" in panel
    due = Timescales().due(dt.datetime.fromtimestamp(clock.now, dt.UTC), "amber")
    assert due is not None
    local = due.astimezone(Timescales().working.tz)
    assert f"Deadline {local:%H:%M} on {local.day} {local:%B %Y}" in panel  # 24 working hours, not 24 on the clock

    gp = hub.device("gp1", "gp", "A81001")
    pulled = [c for c in gp.pull_all() if c["record_type"] == "info_request"]
    assert len(pulled) == 1
    answer = mutation("response", response_fields(pulled[0]), case_id=pulled[0]["case_id"])
    assert gp.push(answer)[0]["outcome"] == "applied"

    page = browser.get(f"/referrals/{record_id}")
    assert "to GP practice A81001 Answered" in _request_panel(page)
    answers = soup(page).find(id="answers")
    assert answers is not None
    assert len(answers.find("thead").find_all("th")) == 2  # the question, and one column for the one answer
    assert len(answers.find("tbody").find_all("tr")) >= 1
    assert "{" not in answers.get_text()


def test_an_unanswered_request_goes_overdue(browser: Browser, staff: str, hub: Hub, clock: Clock) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    browser.post(f"/referrals/{record_id}/rate", {"rating": "red"})
    browser.get(f"/referrals/{record_id}")
    assert (
        browser.post(f"/referrals/{record_id}/request", {"practice_ods": "A81001", "questions": "Known?"}).status_code
        == 303
    )
    clock.advance(4 * 3600 + 60)  # past red's four hours on the clock
    browser.sign_in(staff)  # the old session went idle meanwhile
    assert "Overdue" in _request_panel(browser.get(f"/referrals/{record_id}"))
