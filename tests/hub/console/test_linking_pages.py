"""The linking pages through the ASGI app, on SQLite and PostgreSQL: a second referral about a linked child shows
the first one under "What is already known"; a possible match is confirmed with a reason; the chronology page and
its PDF are audited; a link is undone from the referral page."""

from __future__ import annotations

import sqlalchemy as sa

from hub._tables import audit
from tests.hub.conftest import Hub
from tests.hub.console.conftest import Browser, soup
from tests.hub.test_linking import push


def _actions(hub: Hub) -> list[str]:
    with hub.db.read() as conn:
        return list(conn.execute(sa.select(audit.c.action)).scalars())


def test_a_second_referral_shows_the_first_and_the_chronology(browser: Browser, staff: str, hub: Hub) -> None:
    first = push(hub, name="Tamsin Polglase", dob="2014-05-06")
    second = push(hub, name="Tamsyn Polglase", dob="2014-06-05")  # a spelling and a swapped date: still sure
    browser.sign_in(staff)
    page = soup(browser.get(f"/referrals/{second}"))
    earlier = page.find(id="earlier")
    assert earlier is not None, page.find(id="known")
    assert earlier.find("a")["href"] == f"/console/referrals/{first}"
    assert "No decision yet" in earlier.get_text()
    chronology_link = page.find("a", string=lambda s: bool(s) and s.startswith("Chronology for"))
    chronology = browser.get(chronology_link["href"].removeprefix("/console"))
    assert chronology.status_code == 200
    rows = soup(chronology).find(id="chronology").find_all("tr")[1:]
    assert len(rows) == 2
    assert "School nursing" in rows[0].get_text()
    pdf = browser.get(chronology_link["href"].removeprefix("/console") + ".pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert {"console.chronology", "console.chronology_pdf"} <= set(_actions(hub))
    assert browser.get("/children/nobody/chronology").status_code == 404


def test_a_possible_match_is_decided_with_a_reason(browser: Browser, staff: str, hub: Hub) -> None:
    push(hub, name="William Hartley", dob="2015-03-07", postcode="EX4 6PX")
    second = push(hub, name="Willaim Hartley", dob="2015-07-03", postcode="PL4 8AA")
    browser.sign_in(staff)
    assert soup(browser.get(f"/referrals/{second}")).find(id="possible-match") is not None
    page = soup(browser.get("/matches"))
    section = page.find(class_="console-match")
    assert section is not None
    assert "Willaim Hartley" in section.get_text()
    action = section.find("form")["action"].removeprefix("/console")
    missing = browser.post(action, {"reason": ""})
    assert missing.status_code == 400
    assert soup(missing).find(class_="govuk-error-summary").find("a").get_text(strip=True) == "Enter why"
    browser.get("/matches")
    done = browser.post(action, {"reason": "Same mother and school"})
    assert done.status_code == 303
    assert soup(browser.get("/matches")).find(id="empty") is not None
    earlier = soup(browser.get(f"/referrals/{second}")).find(id="earlier")
    assert earlier is not None
    assert "console.link_confirmed" in _actions(hub)
    assert browser.post(action, {"reason": "again"}).status_code == 404  # decided already


def test_undo_a_link_from_the_referral_page(browser: Browser, staff: str, hub: Hub) -> None:
    push(hub, name="Jago Nancarrow", dob="2013-10-10")
    second = push(hub, name="Jago Nancarrow", dob="2013-10-10")
    browser.sign_in(staff)
    page = soup(browser.get(f"/referrals/{second}"))
    form = page.find("form", action=lambda a: bool(a) and a.endswith("/undo"))
    action = form["action"].removeprefix("/console")
    assert browser.post(action, {"reason": "", "back": f"/referrals/{second}"}).status_code == 400
    browser.get(f"/referrals/{second}")
    done = browser.post(action, {"reason": "A cousin of the same name", "back": f"/referrals/{second}"})
    assert done.status_code == 303
    after = soup(browser.get(f"/referrals/{second}?done=undo"))
    assert after.find(id="earlier") is None  # no longer the same child (the namesake shows as a sibling)
    assert "console.link_undone" in _actions(hub)
