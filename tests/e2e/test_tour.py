"""The README's ten-minute tour, in real Chromium against the demo script (not a test harness): the health
visitor's referral from the first screen to the hub, then the GP's answer on a second device the demo joins to its
hub; after each step the hub CLI line the demo printed (``MASH_HUB_DB``) shows the result, as the README says."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e import _steps
from tests.scripts._demo import APP_LINE, CODE_LINE, ROOT, DemoRun, remember_link, wait_http
from tests.support.browser import AppPage, FormDriver
from tests.support.hubproc import free_port
from tests.support.webapp import LINK

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FAST_KDF = {"MASH_FIELDAPP_TEST_FAST_KDF": "1"}


def _hub_cli(db_url: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MASH_HUB_DB": db_url}
    done = subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _enrol_with_the_filled_in_address(ui: AppPage, hub_url: str, code: str, landing: str = "/caseload") -> None:
    """``landing``: where the role lands once enrolled (a GP: the inbox)."""
    ui.wait_url("/enrol")
    address = ui.ident("hub-url").get_by_role("textbox").first
    ui.focus_for_typing(address)  # Flutter puts a field's value into the accessible DOM once it has focus
    expect(address).to_have_value(hub_url, timeout=20_000)
    ui.type_ident("enrol-code", code)
    ui.click("Enrol", exact=True)
    ui.wait_url(landing)


def test_the_readme_tour_on_the_demo(browser: Browser, tmp_path: Path) -> None:
    demo_dir, app_port = tmp_path / "demo", free_port()
    args = ("--web", "--port", str(app_port), "--hub-port", str(free_port()), "--demo-dir", str(demo_dir))
    with DemoRun(*args, env=FAST_KDF) as first:
        request_ref = first.expect(r"information request (IR-\d{4}-\d+) to practice A81001").group(1)
        hub_url = first.expect(r"Demo hub running at (http://127\.0\.0\.1:\d+) ").group(1)
        db_url = first.expect(r"export MASH_HUB_DB=(\S+)").group(1)
        _, code = first.expect(CODE_LINE.pattern).groups()
        first.expect(APP_LINE)
        app_url = remember_link(first.expect(LINK.pattern).group(0))
        wait_http(app_url)

        # 1. Set up the health visitor's device.
        hv = AppPage(browser, app_url, "tour-hv").open()
        _steps.create_vault(hv)
        _enrol_with_the_filled_in_address(hv, hub_url, code)
        assert re.search(r"\bhv1\b.*\bactive\b", _hub_cli(db_url, "devices", "list"))

        # 2. Raise a referral.
        _steps.add_case(hv, "Poppy Tour")
        hv.click("Write note")
        hv.type_label("Case note", "Home visit. Baby has a bruise on the left upper arm.")
        hv.click("Save note")
        hv.wait_text("Raise a concern")
        hv.click("Raise a concern")
        _steps.fill_concern(hv).submit(r"/referral/")
        hv.wait_text("Review the referral")
        hv.ident("confirm-consent").get_by_role("checkbox").first.click()
        hv.ident("confirm-basis").get_by_role("checkbox").first.click()
        hv.click("Send referral")
        hv.wait_text(re.compile("Received by hub"), timeout_s=90)
        referral = re.search(r"ref ([A-Z]+-\d{4}-\d+)", hv.body_text())
        assert referral is not None
        assert referral.group(1) in _hub_cli(db_url, "referrals", "list")
        hv.close()

        # 3. Answer the GP's request on a second device.
        with DemoRun(
            "--web", "--device", "gp", "--port", str(app_port), "--demo-dir", str(demo_dir), env=FAST_KDF
        ) as gp_run:
            gp_run.expect(rf"Joined the demo hub at {re.escape(hub_url)}")
            _, gp_code = gp_run.expect(CODE_LINE.pattern).groups()
            gp_run.expect(APP_LINE)
            gp_url = remember_link(gp_run.expect(LINK.pattern).group(0))
            wait_http(gp_url)
            gp = AppPage(browser, gp_url, "tour-gp").open()
            _steps.create_vault(gp)
            _enrol_with_the_filled_in_address(gp, hub_url, gp_code, landing="/inbox")  # a GP lands on the inbox
            gp.wait_text(request_ref, timeout_s=90)
            gp.follow(gp.text(re.compile(request_ref)), r"/request/")
            gp.click("Respond")
            f = FormDriver(gp)
            _steps.answer_gp_request(f, dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
            f.submit(r"/request/[^/]+$")
            gp.wait_text("Received by hub", timeout_s=90)
            response = re.search(r"ref ([A-Z]+-\d{4}-\d+)", gp.body_text())
            assert response is not None
            assert response.group(1) in _hub_cli(db_url, "responses", "list")
            gp.close()
