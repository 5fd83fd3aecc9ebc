"""Flow 4, lock: after the idle timeout the app locks by itself, and the lock screen shows no case data."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e import _steps
from tests.support.browser import AppPage
from tests.support.webapp import WebApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHILD = "Wilhelmina Canarybird"
NHS = "943 476 5919"


def test_idle_timeout_locks_and_hides_case_data(browser: Browser, tmp_path: Path) -> None:
    with WebApp(tmp_path / "data", log_dir=tmp_path, idle_s=4) as app:
        ui = AppPage(browser, app.url, "lock").open()
        _steps.create_vault(ui)
        ui.click("Continue offline")
        _steps.add_case(ui, CHILD, nhs=NHS)
        assert CHILD in ui.body_text()

        started = time.monotonic()
        ui.wait_url("/unlock", timeout_s=30)  # nobody touches anything
        assert time.monotonic() - started >= 2.0
        ui.wait_text("Enter your passphrase")
        ui.shot("locked-after-idle")
        shown = ui.body_text()
        for secret in (CHILD, "Canarybird", NHS.replace(" ", ""), NHS, "TQ1 2AB"):
            assert secret not in shown
        assert ui.page.title() == "MASH Field"

        _steps.unlock(ui)
        ui.wait_url("/caseload")
        ui.wait_text(CHILD)
        ui.shot("unlocked-again")
        ui.page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
        ui.wait_text(CHILD)
        ui.shot("caseload-tablet")
        ui.close()
