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
