"""The demo (``make run``): its console user signs in with the printed password and secret and finds a queue with a
range of ratings, the red one at the top."""

from __future__ import annotations

import pyotp

from hub._demo import demo
from hub._demo_console import DEMO_PASSWORD
from tests.hub.conftest import Hub
from tests.hub.console.conftest import Browser, soup


def test_demo_queue(browser: Browser, hub: Hub, capsys: object) -> None:
    demo(hub.db)
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    line = next(x for x in printed.splitlines() if x.startswith("console user: staff1"))
    browser.secret = line.rsplit(": ", 1)[1]
    assert f"password: {DEMO_PASSWORD!r}" in line
    assert pyotp.TOTP(browser.secret).at(browser.clock.now)
    browser.sign_in("staff1", DEMO_PASSWORD)  # no set-up page: the demo's secret is already confirmed
    rows = soup(browser.get("/")).find("table", id="queue").find("tbody").find_all("tr")
    ratings = [r.find_all("td")[3].get_text(strip=True) for r in rows]
    assert ratings[0] == "Red"
    assert rows[0].find("a").get_text(strip=True) == "Riley Demo"
    assert {"Red", "Amber", "Green", "Blue", "Not rated"} <= set(ratings)


def test_demo_peninsula(app: object, clock: object, hub: Hub, capsys: object) -> None:
    """Each peninsula authority's demo screener sees its own queue; the commissioner sees counts."""
    demo(hub.db)
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    secret = next(x for x in printed.splitlines() if x.startswith("console user: staff1")).rsplit(": ", 1)[1]
    seen = {}
    for username in ("devon1", "torbay1", "plymouth1", "cornwall1"):
        browser = Browser(app, clock)  # type: ignore[arg-type]
        browser.secret = secret
        browser.sign_in(username, DEMO_PASSWORD)
        rows = soup(browser.get("/")).find("table", id="queue").find("tbody").find_all("tr")
        seen[username] = sorted(r.find("a").get_text(strip=True) for r in rows)
        browser.close()
    assert seen == {
        "devon1": ["Riley Demo", "Taylor Demo"],
        "torbay1": ["Avery Demo", "Casey Demo", "Riley Demo"],
        "plymouth1": ["Jamie Demo"],
        "cornwall1": ["Morgan Demo", "Quinn Demo"],
    }
    commissioner = Browser(app, clock)  # type: ignore[arg-type]
    commissioner.secret = secret
    commissioner.password_step("commissioner1", DEMO_PASSWORD)
    commissioner.get("/sign-in/code")
    assert commissioner.post("/sign-in/code", {"code": commissioner.code()}).status_code == 303
    board = commissioner.get("/dashboard")
    assert board.status_code == 200
    assert "Riley Demo" not in board.text
    commissioner.close()
