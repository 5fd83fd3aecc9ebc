"""The audit trail pages: managers read a referral's trail and a user's; hub staff may not; reading is recorded."""

from __future__ import annotations

from hub._signin import set_password
from tests.hub.conftest import Hub
from tests.hub.console.conftest import PASSWORD, Browser, push_referral, soup


def _rows(page: object) -> list[list[str]]:
    table = soup(page).find("table", id="trail")  # type: ignore[arg-type]
    return [[c.get_text(" ", strip=True) for c in r.find_all("td")] for r in table.find("tbody").find_all("tr")]


def test_a_manager_reads_who_did_what_from_and_to(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    hub.user("boss", "manager")
    set_password(hub.db, "boss", PASSWORD, actor="test")
    worker = Browser(hub.app, browser.clock)
    worker.sign_in(staff)
    worker.get(f"/referrals/{record_id}")
    worker.post(f"/referrals/{record_id}/rate", {"rating": "amber"})
    worker.get(f"/referrals/{record_id}")
    worker.post(f"/referrals/{record_id}/rate", {"rating": "red", "rationale": "More bruises"})
    worker.close()
    browser.sign_in("boss")
    page = browser.get(f"/referrals/{record_id}")
    link = soup(page).find("a", string="Audit trail of this referral")
    assert link["href"] == f"/console/audit?record={record_id}"
    trail = browser.get(f"/audit?record={record_id}")
    assert soup(trail).find("h1").get_text(strip=True) == "Audit trail of this referral"
    rows = _rows(trail)
    rates = [r for r in rows if r[2] == "console.rate"]
    assert [(r[1], r[4], r[5]) for r in rates] == [(staff, "amber", "red"), (staff, "", "amber")]
    assert any(r[1] == staff and r[2] == "console.referral" for r in rows)  # views are there too
    by_user = _rows(browser.get(f"/audit?user={staff}"))
    assert {r[2] for r in by_user} >= {"signin.password", "signin.code", "console.queue", "console.rate"}
    assert all(r[1] == staff for r in by_user)
    mine = _rows(browser.get("/audit?user=boss"))
    assert any(r[2] == "console.audit" for r in mine)  # reading the trail is recorded


def test_hub_staff_cannot_read_the_trail(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    assert soup(browser.get(f"/referrals/{record_id}")).find("a", string="Audit trail of this referral") is None
    refused = browser.get(f"/audit?record={record_id}")
    assert refused.status_code == 403
    assert "Only a MASH manager or an admin" in soup(refused).get_text()
