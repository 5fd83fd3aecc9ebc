"""The decision: recorded with a reason, signed off by a manager, and the outcome on the referrer's device under
"What happens next", with the time of the decision."""

from __future__ import annotations

from hub._signin import set_password
from tests.hub.conftest import Hub
from tests.hub.console.conftest import DEVICES, PASSWORD, Browser, push_referral, soup


def _notes(device: object) -> list[str]:
    return [c["fields"]["text"] for c in device.pull_all() if c["record_type"] == "note"]  # type: ignore[attr-defined]


def test_decide_sign_off_and_the_referrer_sees_what_happens_next(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    device = DEVICES[record_id]
    device.pull_all()
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    missing = browser.post(f"/referrals/{record_id}/decide", {"decision": "s17", "decision_rationale": ""})
    assert missing.status_code == 400
    link = soup(missing).find(class_="govuk-error-summary").find("a")
    assert (link.get_text(strip=True), link["href"]) == ("Enter the reason for the decision.", "#decision_rationale")
    browser.get(f"/referrals/{record_id}")
    none = browser.post(f"/referrals/{record_id}/decide", {"decision_rationale": "x"})
    assert soup(none).find(class_="govuk-error-summary").find("a")["href"] == "#decision"
    browser.get(f"/referrals/{record_id}")
    done = browser.post(f"/referrals/{record_id}/decide", {"decision": "s17", "decision_rationale": "Needs assessing"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/referrals/{record_id}?done=decide"
    page = soup(browser.get(f"/referrals/{record_id}?done=decide"))
    assert "Decision recorded" in page.find(class_="govuk-notification-banner").get_text()
    decided = page.find(id="decision-section").find_next(class_="govuk-summary-list").get_text(" ", strip=True)
    assert "A children's social care assessment (section 17)" in decided
    assert "Waiting for a manager's sign-off" in decided
    assert page.find("button", string="Sign off and send the outcome") is None  # staff cannot sign off
    assert browser.post(f"/referrals/{record_id}/sign-off").status_code == 403
    assert _notes(device) == []  # nothing reaches the referrer before sign-off

    hub.user("boss", "manager")
    set_password(hub.db, "boss", PASSWORD, actor="test")
    manager = Browser(hub.app, browser.clock)
    manager.sign_in("boss")
    manager.get(f"/referrals/{record_id}")
    signed = manager.post(f"/referrals/{record_id}/sign-off")
    assert signed.status_code == 303
    banner = soup(manager.get(signed.headers["location"].removeprefix("/console"))).find(
        class_="govuk-notification-banner"
    )
    assert "Signed off: the outcome has gone to the referrer" in banner.get_text()
    notes = _notes(device)
    assert len(notes) == 1
    assert notes[0].startswith("What happens next: A children's social care assessment (section 17).")
    assert "A social worker will contact the family." in notes[0]
    assert "(MASH decision made at " in notes[0]
    status = [c["hub"]["status"] for c in device.seen.values() if c["record_id"] == record_id]
    assert status == ["outcome_recorded"]
    assert soup(manager.get("/")).find("tr", attrs={"data-record": record_id}) is None  # out of the queue
    again = manager.post(f"/referrals/{record_id}/sign-off")
    assert again.status_code in (400, 403)
    manager.close()


def test_a_manager_decides_and_sends_in_one_step(browser: Browser, hub: Hub) -> None:
    record_id = push_referral(hub)
    hub.user("boss", "manager")
    set_password(hub.db, "boss", PASSWORD, actor="test")
    browser.sign_in("boss")
    browser.get(f"/referrals/{record_id}")
    browser.post(f"/referrals/{record_id}/decide", {"decision": "early_help", "decision_rationale": "Family agrees"})
    assert _notes(DEVICES[record_id])[0].startswith("What happens next: Early help.")
