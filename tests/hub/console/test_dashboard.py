"""The commissioning dashboard as a browser reads it: counts only, small numbers suppressed, a chart, a table and a
CSV for each; a commissioner never reaches a person (pages, photographs, downloads, crafted filters)."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from hub._admin import create_user
from hub._signin import set_password
from hub._tables import audit
from tests.hub.conftest import Hub
from tests.hub.console.conftest import PASSWORD, Browser, push_referral, soup

CANARY = "Dashboard Canary"
NHS = "9434765919"
POSTCODES = {"devon": "EX1 1AA", "torbay": "TQ1 2AB"}


def console_user(hub: Hub, username: str, role: str, authority: str | None = None) -> str:
    create_user(hub.db, username, username.upper(), role, "Region", authority=authority)
    set_password(hub.db, username, PASSWORD, actor="test")
    return username


def referrals(hub: Hub, authority: str, n: int) -> list[str]:
    """``n`` referrals about one child (one NHS number), a minute apart."""
    clock = hub.app.state.settings.clock
    out = []
    for i in range(n):
        case = {"child_name": f"{CANARY} {authority} {i}", "postcode": POSTCODES[authority], "nhs_number": NHS}
        out.append(push_referral(hub, {**case, "nhs_number_not_known": False}, username=f"hv{authority}{i % 2}"))
        clock.advance(60)
    return out


def commissioner_signs_in(browser: Browser, user: str) -> None:
    """Sign-in with a second factor; a commissioner lands on the dashboard, not the queue."""
    browser.password_step(user)
    page = browser.get("/sign-in/code")
    browser.secret = soup(page).find(id="secret").get_text(strip=True)
    assert browser.post("/sign-in/code", {"code": browser.code()}).status_code == 303
    browser.clock.advance(30)
    assert browser.get("/").headers["location"] == "/console/dashboard"


def _cells(page: object, name: str) -> dict[str, str]:
    table = soup(page).find("table", id=f"table-{name}")  # type: ignore[arg-type]
    assert table is not None
    return {
        tr.find("th").get_text(strip=True): tr.find("td").get_text(strip=True)
        for tr in table.find("tbody").find_all("tr")
    }


def test_a_commissioner_sees_suppressed_counts_and_no_person(hub: Hub, browser: Browser) -> None:
    referrals(hub, "devon", 6)
    torbay = referrals(hub, "torbay", 2)
    commissioner_signs_in(browser, console_user(hub, "comm1", "commissioner"))
    board = browser.get("/dashboard")
    assert board.status_code == 200
    assert CANARY not in board.text
    assert "943 476 5919" not in board.text
    assert NHS not in board.text
    by_authority = _cells(board, "authority")
    # Counts are rounded to the nearest 5: Devon's 6 shows as 5 (5 to 7) and the total of 8 as 10 (8 to 12), so
    # Torbay's 2 could be anything from 1 to 4.
    assert by_authority["Devon County Council"] == "5"
    assert by_authority["Torbay Council"] == "<5"
    assert by_authority["Total"] == "10"
    assert soup(board).find(id="chart-authority").find("svg") is not None
    assert by_authority == {r[0]: r[1] for r in _csv(browser, "authority")[1:]}
    # Repeat referrals: the same NHS number 8 times within 90 days (3rd and later count).
    repeats = _cells(board, "repeats")
    assert repeats == {"Devon County Council": "<5", "Torbay Council": "<5", "Cornwall Council": "0",
                       "Plymouth City Council": "0", "Total": "5"}  # fmt: skip
    # No way through to a person: the queue, a referral, a photograph, an action.
    assert browser.get(f"/referrals/{torbay[0]}").status_code == 403
    assert CANARY not in browser.get(f"/referrals/{torbay[0]}").text
    assert browser.get(f"/referrals/{torbay[0]}/photos/{'a' * 64}").status_code == 404
    assert browser.post(f"/referrals/{torbay[0]}/rate", {"rating": "red"}).status_code == 403
    assert browser.get("/from-other-mashs").status_code == 403
    with hub.db.read() as conn:
        actions = [a for a in conn.execute(sa.select(audit.c.action)).scalars() if a.startswith("console.dashboard")]
    assert "console.dashboard_page" in actions
    assert "console.dashboard_csv:authority" in actions


def _csv(browser: Browser, name: str, query: str = "") -> list[list[str]]:
    response = browser.get(f"/dashboard/{name}.csv{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    return list(csv.reader(io.StringIO(response.text)))


@pytest.mark.parametrize(
    "query",
    [
        "?record_id=x&nhs_number=9434765919&child_name=Dashboard",
        "?district=%3Cscript%3E&authority=nowhere&category=%27%20OR%201%3D1&level=9&grain=day",
        "?district=EX1&level=1&age_band=16-17&agency=health_visiting&outcome=none",
    ],
)
def test_crafted_filters_never_name_a_person(hub: Hub, browser: Browser, query: str) -> None:
    referrals(hub, "devon", 1)
    commissioner_signs_in(browser, console_user(hub, "comm1", "commissioner"))
    page = browser.get("/dashboard" + query)
    assert page.status_code == 200
    assert CANARY not in page.text
    assert "<script>" not in page.text
    for name in ("authority", "district", "category", "time", "timeliness_red", "repeats"):
        rows = _csv(browser, name, query)
        assert all(cell not in {"1", "2", "3", "4"} for row in rows[1:] for cell in row[1:])
        assert CANARY not in str(rows)
    assert browser.get("/dashboard/nothing.csv").status_code == 404


def test_a_manager_of_one_authority_sees_that_authority_only(hub: Hub, browser: Browser) -> None:
    referrals(hub, "devon", 5)
    referrals(hub, "torbay", 7)
    browser.sign_in(console_user(hub, "lead1", "manager", authority="devon"))
    page = browser.get("/dashboard?authority=E06000027")  # asks for Torbay: gets Devon
    assert "for Devon County Council" in page.text
    cells = _cells(page, "authority")
    assert cells["Devon County Council"] == "5"
    assert cells["Torbay Council"] == "0"
    assert cells["Total"] == "5"


def test_hub_staff_do_not_see_the_dashboard(hub: Hub, browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    page = browser.get("/dashboard")
    assert page.status_code == 403
    assert "for MASH managers and commissioners" in page.text
    assert browser.get("/dashboard/authority.csv").status_code == 403


def test_the_dashboard_follows_screening_and_outcomes(hub: Hub, browser: Browser) -> None:
    ids = referrals(hub, "devon", 8)
    browser.sign_in(console_user(hub, "lead1", "manager"))
    first = _cells(browser.get("/dashboard"), "outcome")
    assert first["No outcome yet"] == "10"  # 8, to the nearest 5
    for record_id in ids[:4]:
        browser.get(f"/referrals/{record_id}")
        assert browser.post(f"/referrals/{record_id}/rate", {"rating": "red"}).status_code == 303
        browser.get(f"/referrals/{record_id}")
        done = browser.post(f"/referrals/{record_id}/decide", {"decision": "nfa", "decision_rationale": "No concern."})
        assert done.status_code == 303
    board = browser.get("/dashboard")
    outcome = _cells(board, "outcome")
    assert outcome["No outcome yet"] == "<5"
    assert outcome["No further action"] == "<5"
    # 4 and 4 of 8 (shown as 10: 8 to 12) would make both 4: no total can be shown, and every table that would pin
    # it (Devon's 8) loses a cell too.
    assert outcome["Total"] == "hidden"
    assert _cells(board, "authority")["Devon County Council"] == "hidden"
    red = _cells(board, "timeliness_red")
    assert red["Outcome sent in time"] == "<5"
    assert "0" in (red["Outcome sent late"], red["Waiting, overdue"])
