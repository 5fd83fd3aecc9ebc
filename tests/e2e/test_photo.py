"""The photograph field in a real browser, offline: reachable by keyboard, refusals change nothing, a photo arrives
through the browser's file chooser with no plaintext copy on disk, shows its name, size and preview, survives a
reload, and goes again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e import _steps
from tests.support.browser import AppPage
from tests.support.images import png
from tests.support.webapp import WebApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FILE = "attachments[0].file"


def _focused(ui: AppPage) -> str:
    return str(ui.page.evaluate("document.activeElement && document.activeElement.textContent") or "")


def _tab_to(ui: AppPage, name: str, start: str, tries: int = 3) -> bool:
    """Press Tab once the focus is on ``start``; True if it then lands on ``name``. Flutter moves the DOM focus a
    little after the key (and drops a key sent while it is still taking the first focus), so this polls, and presses
    again only when the focus has not moved at all."""
    for _ in range(tries):
        deadline = time.monotonic() + 1.5
        while _focused(ui) != start and time.monotonic() < deadline:
            ui.page.wait_for_timeout(100)
        ui.page.keyboard.press("Tab")
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            now = _focused(ui)
            if now not in ("", start):
                return now == name
            ui.page.wait_for_timeout(100)
    return False


def _files_holding(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_photo_refused_added_kept_off_disk_and_removed(browser: Browser, tmp_path: Path) -> None:
    data_dir = tmp_path / "device"
    with WebApp(data_dir, log_dir=tmp_path / "logs") as app:
        ui = AppPage(browser, app.url, "photo").open()
        _steps.create_vault(ui)
        ui.click("Continue offline")
        case_id = _steps.add_case(ui, "Poppy Canary")
        ui.page.goto(f"{app.url}/case/{case_id}/form/case_note")
        ui.enable_semantics()
        ui.ident("f-attachments").get_by_role("button", name="Add attachment").first.click()
        ui.ident(f"f-{FILE}").wait_for(state="attached")

        # By keyboard: Tab from the control before it reaches "Add photograph"; Enter opens the chooser.
        ui.button("Remove attachment 1").focus()
        assert _tab_to(ui, "Add photograph", start="Remove attachment 1")
        with ui.page.expect_file_chooser() as chooser:
            ui.page.keyboard.press("Enter")
        chooser.value.set_files({"name": "letter.png", "mimeType": "image/png", "buffer": b"%PDF-1.7\n" * 50})
        ui.wait_text("That file is not a photograph")
        ui.scroll_to(ui.ident(f"f-{FILE}"), top=300)
        ui.shot("refused-not-an-image")

        # Over the WebSocket's message limit: the server drops the connection, the page reconnects, and the app says
        # so instead of waiting for ever.
        _steps.add_photo(ui, FILE, "huge.png", png(pad=os.urandom(17 * 1024 * 1024)))
        ui.wait_text("did not reach the app", timeout_s=90)
        ui.shot("refused-too-big")
        assert "Add photograph" in ui.body_text()

        marker = os.urandom(32)
        photo = png(40, 30, rgb=(30, 120, 200), pad=marker)
        _steps.add_photo(ui, FILE, "left-arm.png", photo)
        ui.wait_text(f"left-arm.png · {len(photo)} bytes")
        ui.wait_text("Draft saved on this device")
        ui.shot("photo-added")
        # In the vault only: no file the app wrote (vault, logs) holds the photo's bytes in the clear.
        assert _files_holding(data_dir, marker) == []
        assert _files_holding(tmp_path / "logs", marker) == []

        ui.page.reload()  # the draft, photo included, is resumed from the vault
        ui.enable_semantics()
        ui.wait_text(f"left-arm.png · {len(photo)} bytes")
        ui.ident(f"f-{FILE}").get_by_role("button", name="Remove photograph").first.click()
        ui.wait_text("Add photograph")
        body = ui.body_text()
        assert "left-arm.png" not in body
        ui.shot("photo-removed")
        ui.close()
