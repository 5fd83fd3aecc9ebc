"""The late requests page: every unanswered information request past its deadline, most overdue first, across the
referrals a member of staff may read, one link from the referral where it is chased (HAZ-010)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

from hub._tables import audit
from tests.hub._records import response_fields
from tests.hub.conftest import Clock, Hub, mutation
from tests.hub.console.conftest import Browser, soup
from tests.hub.console.test_dashboard import commissioner_signs_in
from tests.hub.console.test_peninsula import referral_in, staff_of


def _ask(browser: Browser, record_id: str, rating: str, ods: str = "A81001") -> None:
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": rating}).status_code == 303
    browser.get(f"/referrals/{record_id}")
    sent = browser.post(f"/referrals/{record_id}/request", {"practice_ods": ods, "questions": "Is the family known?"})
    assert sent.status_code == 303


def _rows(browser: Browser) -> list[str]:
    page = soup(browser.get("/late-requests"))
    table = page.find(id="late")
    return [] if table is None else [tr.get_text(" ", strip=True) for tr in table.find("tbody").find_all("tr")]


def test_late_requests_are_listed_most_overdue_first_until_answered(hub: Hub, browser: Browser, clock: Clock) -> None:
    first = referral_in(hub, "devon", "Rosie Redd", nhs=None)
    second = referral_in(hub, "devon", "Amber Ashe", nhs=None, by="hv2")
    browser.sign_in(staff_of(hub, "devon1", "devon"))
    _ask(browser, first, "red")
    clock.advance(30 * 60)
    browser.sign_in("devon1")  # a console session ends after its idle time
    _ask(browser, second, "red", ods="B82002")  # red: four hours on the clock, so the test holds at any hour
    assert _rows(browser) == []
    assert "No information request is past its deadline" in browser.get("/late-requests").text

    clock.advance(3.5 * 3600 + 60)  # the first request is past its four hours; the second has 29 minutes left
    browser.sign_in("devon1")  # the old session went idle meanwhile
    rows = _rows(browser)
    assert len(rows) == 1
    assert "Rosie Redd" in rows[0]
    assert "GP practice A81001" in rows[0]
    assert "Overdue by" in rows[0]
    assert "Not yet" in rows[0]  # not chased
    link = soup(browser.get("/late-requests")).find(id="late").find("a")
    assert link["href"].endswith(f"/referrals/{first}#requests")

    clock.advance(30 * 60)  # both late: the one due first, first
    browser.sign_in("devon1")
    rows = _rows(browser)
    assert [("Rosie Redd" in r, "Amber Ashe" in r) for r in rows] == [(True, False), (False, True)]
    assert "GP practice B82002" in rows[1]

    gp = hub.device("gp1", "gp", "A81001")
    request = next(c for c in gp.pull_all() if c["record_type"] == "info_request")
    answer = mutation("response", response_fields(request), case_id=request["case_id"])
    assert gp.push(answer)[0]["outcome"] == "applied"
    rows = _rows(browser)
    assert len(rows) == 1
    assert "Amber Ashe" in rows[0]
    with hub.db.read() as conn:
        seen = conn.execute(sa.select(audit.c.actor).where(audit.c.action == "console.late_requests")).scalars()
        assert "devon1" in set(seen)


def test_a_chase_shows_and_another_authoritys_late_requests_never_do(
    hub: Hub, app: FastAPI, browser: Browser, clock: Clock
) -> None:
    devon_child = referral_in(hub, "devon", "Devon Canary", nhs=None)
    torbay_child = referral_in(hub, "torbay", "Torbay Canary", nhs=None, by="hv2")
    browser.sign_in(staff_of(hub, "devon1", "devon"))
    _ask(browser, devon_child, "red")
    torbay = Browser(app, clock)
    try:
        torbay.sign_in(staff_of(hub, "torbay1", "torbay"))
        _ask(torbay, torbay_child, "red")
        clock.advance(5 * 3600)
        torbay.sign_in("torbay1")
        rows = _rows(torbay)
        assert len(rows) == 1
        assert "Torbay Canary" in rows[0]
        assert "Devon Canary" not in torbay.get("/late-requests").text
    finally:
        torbay.close()
    browser.sign_in("devon1")
    rows = _rows(browser)
    assert len(rows) == 1
    assert "Devon Canary" in rows[0]
    assert "Torbay Canary" not in browser.get("/late-requests").text
    page = soup(browser.get(f"/referrals/{devon_child}"))
    chase_form = page.find("form", action=lambda a: bool(a) and a.endswith("/chase"))
    request_id = chase_form.find("input", attrs={"name": "request"})["value"]
    assert browser.post(f"/referrals/{devon_child}/chase", {"request": request_id}).status_code == 303
    assert "Once" in _rows(browser)[0]


def test_commissioners_see_counts_not_late_requests(hub: Hub, app: FastAPI, browser: Browser, clock: Clock) -> None:
    child = referral_in(hub, "devon", "Devon Canary", nhs=None)
    browser.sign_in(staff_of(hub, "devon1", "devon"))
    _ask(browser, child, "red")
    clock.advance(5 * 3600)
    browser.sign_in("devon1")
    assert len(_rows(browser)) == 1
    commissioner = Browser(app, clock)
    try:
        commissioner_signs_in(commissioner, staff_of(hub, "comm1", "devon", role="commissioner"))
        page = commissioner.get("/late-requests")
        assert page.status_code == 403
        assert soup(page).find(id="late") is None
        assert "Devon Canary" not in page.text
    finally:
        commissioner.close()
