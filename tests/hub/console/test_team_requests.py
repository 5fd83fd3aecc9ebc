"""Information requests to health visiting and school nursing teams from a referral's page: the recipient chosen by
radios with its code, errors in plain words, the panel naming the team; on a device of the team (not another's),
answered with the team's form, or overdue."""

from __future__ import annotations

from tests.hub._records import team_response_fields
from tests.hub.conftest import Clock, Hub, mutation, new_case
from tests.hub.console.conftest import Browser, push_referral, soup


def _panel(page: object, n: int = 1) -> str:
    return soup(page).find(id=f"request-{n}").get_text(" ", strip=True)  # type: ignore[arg-type,union-attr]


def _rated(browser: Browser, hub: Hub, staff: str, rating: str = "amber") -> str:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": rating}).status_code == 303
    browser.get(f"/referrals/{record_id}")
    return record_id


def test_the_form_offers_each_kind_of_recipient(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = _rated(browser, hub, staff)
    page = soup(browser.get(f"/referrals/{record_id}"))
    radios = {r["value"]: r for r in page.find_all("input", attrs={"name": "recipient"})}
    assert list(radios) == ["gp_practice", "health_visiting", "school_nursing"]
    assert radios["gp_practice"].has_attr("checked")
    labels = [page.find("label", attrs={"for": r["id"]}).get_text(strip=True) for r in radios.values()]
    assert labels == ["GP practice", "Health visiting team", "School nursing team"]
    for name in ("practice_ods", "team_code_health_visiting", "team_code_school_nursing"):
        assert page.find("input", attrs={"name": name}) is not None, name


def test_errors_name_the_field_in_plain_words(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = _rated(browser, hub, staff)
    bad = browser.post(
        f"/referrals/{record_id}/request",
        {"recipient": "health_visiting", "team_code_health_visiting": "no!", "questions": "Known?"},
    )
    assert bad.status_code == 400
    summary = soup(bad).find(class_="govuk-error-summary")
    assert summary.find("a")["href"] == "#team_code_health_visiting"
    assert "Enter the team's code: 3 to 6 letters and digits" in summary.get_text()
    page = soup(bad)
    assert page.find("input", attrs={"value": "health_visiting"}).has_attr("checked")  # the choice is kept
    browser.get(f"/referrals/{record_id}")
    odd = browser.post(f"/referrals/{record_id}/request", {"recipient": "police", "questions": "Known?"})
    assert odd.status_code == 400
    assert soup(odd).find(class_="govuk-error-summary").find("a")["href"] == "#recipient"
    assert "Choose who to ask" in soup(odd).find(class_="govuk-error-summary").get_text()


def test_a_team_request_is_sent_delivered_and_answered(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = _rated(browser, hub, staff)
    sent = browser.post(
        f"/referrals/{record_id}/request",
        {"recipient": "health_visiting", "team_code_health_visiting": " ra9hv1 ", "questions": "Seen lately?"},
    )
    assert sent.status_code == 303
    panel = _panel(browser.get(f"/referrals/{record_id}"))
    assert "to Health visiting team RA9HV1 Sent" in panel
    # A school nurse with the same code, and a health visitor of another team, report cursors: still only sent.
    for name, role, code in (("samenurse", "school_nurse", "RA9HV1"), ("otherhv", "health_visitor", "RA9HV2")):
        device = hub.device(name, role, code)
        assert device.pull_all() == []
        assert device.sync(new_case()).status_code == 200
    assert "Sent" in _panel(browser.get(f"/referrals/{record_id}"))
    member = hub.device("teamhv", "health_visitor", "RA9HV1")
    [pulled] = member.pull_all()
    assert member.sync(new_case()).status_code == 200
    panel = _panel(browser.get(f"/referrals/{record_id}"))
    assert "On a device" in panel
    assert "Yes: a device of the team has it" in panel
    answer = mutation("response", team_response_fields(pulled, "TEAMHV", "RA9HV1"), case_id=pulled["case_id"])
    assert member.push(answer)[0]["outcome"] == "applied"
    page = browser.get(f"/referrals/{record_id}")
    assert "to Health visiting team RA9HV1 Answered" in _panel(page)
    answers = soup(page).find(id="answers")
    assert answers is not None
    header = answers.find("thead").get_text(" ", strip=True)
    assert "(Health visiting team RA9HV1)" in header
    assert "Concerns seen" in answers.find("tbody").get_text(" ", strip=True)
    assert "{" not in answers.get_text()


def test_a_school_nursing_request_goes_overdue(browser: Browser, staff: str, hub: Hub, clock: Clock) -> None:
    record_id = _rated(browser, hub, staff, rating="red")
    sent = browser.post(
        f"/referrals/{record_id}/request",
        {"recipient": "school_nursing", "team_code_school_nursing": "RA9SN1", "questions": "Attendance?"},
    )
    assert sent.status_code == 303
    assert "to School nursing team RA9SN1 Sent" in _panel(browser.get(f"/referrals/{record_id}"))
    clock.advance(4 * 3600 + 60)
    browser.sign_in(staff)
    assert "Overdue" in _panel(browser.get(f"/referrals/{record_id}"))
