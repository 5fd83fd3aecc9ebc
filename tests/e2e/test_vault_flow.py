"""The vault screens in a real browser: create a vault, lock, a wrong passphrase, unlock."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import AppPage
from tests.support.webapp import WebApp

PASSPHRASE = "amber otter quietly folds maps"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_create_lock_wrong_passphrase_unlock(browser: Browser, tmp_path: Path) -> None:
    with WebApp(tmp_path / "data", log_dir=tmp_path) as app:
        ui = AppPage(browser, app.url, "vault").open()
        ui.wait_text("Set up this device")
        ui.shot("setup")

        ui.type_label("Passphrase", "password1234")
        ui.wait_text("Strength: Weak")
        ui.type_label("Confirm passphrase", "password1234")
        ui.click("Create vault")
        ui.wait_text("easy to guess")  # the vault refused it: a clear message, no vault made
        ui.shot("weak-passphrase")

        ui.type_label("Passphrase", PASSPHRASE)
        ui.type_label("Confirm passphrase", PASSPHRASE)
        ui.click("Create vault")
        ui.wait_url("/enrol")
        ui.shot("after-create")

        ui.click("Lock")
        ui.wait_url("/unlock")
        ui.wait_text("Enter your passphrase")
        ui.shot("locked")

        ui.type_label("Passphrase", "not the right one at all")
        ui.click("Unlock")
        ui.wait_text("Wrong passphrase. 9 tries left")
        ui.shot("wrong-passphrase")

        ui.type_label("Passphrase", PASSPHRASE)
        ui.click("Unlock")
        ui.wait_url("/caseload")
        ui.shot("unlocked")
        ui.close()
