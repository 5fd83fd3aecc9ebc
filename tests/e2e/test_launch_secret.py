"""Only the user's own browser session reaches the caseload (issue 10).

While the user has the app unlocked with a child's record on screen: a browser without the launch secret, or with a
wrong one, gets one plain page and nothing of the app (not in the DOM, not in the accessible text, not over a
WebSocket); a second tab, even of the user's own browser or opened from the link, sees the lock screen until it gives
the passphrase itself. The WebSocket frames are recorded and searched for the child's name and NHS number, and the
same recorder sees them once the tab has unlocked (so it would have seen them before).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocket

from tests.e2e import _steps
from tests.support.browser import AppPage
from tests.support.sockets import listening, not_loopback
from tests.support.webapp import WebApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHILD = "Wilhelmina Canarybird"
NHS = "943 476 5919"
CANARIES = (CHILD, "Canarybird", NHS, NHS.replace(" ", ""))
REFUSED = "Open the app from the link it printed"
TRY_A_SOCKET = """() => new Promise(resolve => {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  let opened = false;
  ws.onopen = () => { opened = true; };
  ws.onmessage = () => resolve('message');
  ws.onclose = () => resolve(opened ? 'opened' : 'refused');
})"""


class Frames:
    """Every WebSocket a page opens and every frame it receives, as bytes."""

    def __init__(self, page: Page) -> None:
        self.sockets: list[str] = []
        self.received: list[bytes] = []
        page.on("websocket", self._on_socket)

    def _on_socket(self, ws: WebSocket) -> None:
        self.sockets.append(ws.url)
        ws.on("framereceived", lambda payload: self.received.append(_bytes(payload)))

    def holds(self, text: str) -> bool:
        needle = text.encode()
        return any(needle in frame for frame in self.received)


def _bytes(payload: str | bytes) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


def assert_nothing_personal(page: Page, frames: Frames, accessible: str) -> None:
    dom = page.content()
    for canary in CANARIES:
        assert canary not in dom
        assert canary not in accessible
        assert not frames.holds(canary), f"{canary!r} went over the WebSocket"


def test_without_the_launch_secret_a_browser_gets_nothing(browser: Browser, tmp_path: Path) -> None:
    with WebApp(tmp_path / "data", log_dir=tmp_path) as app:
        ui = AppPage(browser, app.url, "launch_secret").open()
        _steps.create_vault(ui)
        ui.click("Continue offline")
        _steps.add_case(ui, CHILD, nhs=NHS)
        ui.click("Back")
        ui.wait_text(CHILD)  # the user's own tab has it open

        for target in ("/", "/caseload", "/case/new", f"/?token={'x' * 43}", f"/caseload?token={app.token[:-1]}A"):
            context = browser.new_context()  # another browser, user or program on this computer
            try:
                page = context.new_page()
                frames = Frames(page)
                response = page.goto(app.url + target)
                assert response is not None
                assert response.status == 403
                assert REFUSED in page.inner_text("body")
                assert page.evaluate("document.scripts.length") == 0  # no Flutter, so no session can start
                assert page.evaluate(TRY_A_SOCKET) == "refused"  # and a socket of its own is refused
                assert frames.received == []
                assert_nothing_personal(page, frames, page.locator("body").aria_snapshot())
                assert context.cookies() == []
                if target == "/":
                    page.screenshot(path=str(ui.shots / "no-secret.png"))
            finally:
                context.close()
        assert CHILD in ui.body_text()  # meanwhile the user's tab is untouched
        ui.close()


def test_a_second_tab_sees_the_lock_screen_until_it_unlocks_itself(browser: Browser, tmp_path: Path) -> None:
    with WebApp(tmp_path / "data", log_dir=tmp_path) as app:
        own = browser.new_context(viewport={"width": 1280, "height": 860})  # the user's browser, tabs and cookies
        ui = AppPage(browser, app.url, "second_tab", context=own).open()
        _steps.create_vault(ui)
        ui.click("Continue offline")
        _steps.add_case(ui, CHILD, nhs=NHS)
        ui.click("Back")
        ui.wait_text(CHILD)

        # A new tab of the same browser: it holds the cookie, but its session has not unlocked.
        same_browser = AppPage(browser, app.url, "second_tab", prefix="tab-", context=own)
        frames = Frames(same_browser.page)
        same_browser.page.goto(app.url + "/caseload")
        same_browser.enable_semantics()
        same_browser.wait_url("/unlock")
        same_browser.wait_text("Enter your passphrase")
        same_browser.shot("new-tab-locked")
        assert frames.sockets  # it did get a session...
        assert_nothing_personal(same_browser.page, frames, same_browser.body_text())  # ...and nothing in it
        same_browser.close()

        # Another browser opened from the printed link: the lock screen too, and wrong passphrases count.
        linked = AppPage(browser, app.url, "second_tab", prefix="link-")
        frames = Frames(linked.page)
        linked.open("/caseload")
        linked.wait_url("/unlock")
        assert "token=" not in linked.page.url  # the secret left the address bar
        linked.type_label("Passphrase", "not the right one at all")
        linked.click("Unlock")
        linked.wait_text("Wrong passphrase. 9 tries left")
        linked.shot("link-wrong-passphrase")
        assert_nothing_personal(linked.page, frames, linked.body_text())
        assert CHILD in ui.body_text()  # the first tab keeps working

        _steps.unlock(linked)
        linked.wait_url("/caseload")
        linked.wait_text(CHILD)
        assert frames.holds(CHILD)  # the recorder does see the name once this tab may
        linked.shot("link-unlocked")
        linked.close()
        ui.close()
        own.close()


def test_the_app_listens_on_loopback_only(tmp_path: Path) -> None:
    with WebApp(tmp_path / "data", log_dir=tmp_path) as app:
        sockets = listening(app.pid)
        assert ("127.0.0.1", app.port) in sockets
        assert not_loopback(app.pid) == [], sockets
