"""Flow 1, health visitor: create vault, enrol, work offline (hub stopped): case, note, concern form with a body map
injury and a photograph of it (through the browser's file chooser), referral to the outbox; start the hub; sync;
the hub's CLI shows the referral, the app its receipt, and the hub's API holds the photograph with the same SHA-256."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e import _steps
from tests.support.browser import AppPage
from tests.support.hubproc import HubProcess
from tests.support.images import png
from tests.support.webapp import WebApp

PHOTO = "children[0].injuries[0].photo"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_health_visitor_refers_offline_then_syncs(browser: Browser, tmp_path: Path) -> None:
    with HubProcess() as hub, WebApp(tmp_path / "hv", log_dir=tmp_path) as app:
        code = hub.enrol_code("hv1", "health_visitor", display_name="Hana Visitor")
        ui = AppPage(browser, app.url, "health_visitor").open()
        _steps.create_vault(ui)
        _steps.enrol(ui, hub.base_url, code)
        ui.shot("caseload-empty")

        hub.stop()  # no signal from here on
        _steps.add_case(ui, "Poppy Canary")
        ui.click("Write note")
        ui.type_label("Case note", "Home visit. Baby has a bruise on the left upper arm.")
        ui.shot("note")
        ui.click("Save note")
        ui.wait_text("Waiting to sync")
        ui.shot("case-with-note")

        ui.click("Raise a concern")
        form = _steps.fill_concern(ui)
        photo = png(48, 32, rgb=(170, 60, 90))
        _steps.add_photo(ui, PHOTO, "left-arm.png", photo)
        ui.wait_text(f"left-arm.png · {len(photo)} bytes")
        ui.scroll_to(ui.ident(f"f-{PHOTO}"), top=300)
        ui.shot("concern-photo")
        form.submit(r"/referral/")
        ui.wait_text("Review the referral")
        ui.shot("referral-review")
        ui.tick(ui.ident("confirm-consent").get_by_role("checkbox").first, "consent checked")
        ui.tick(ui.ident("confirm-basis").get_by_role("checkbox").first, "lawful basis confirmed")
        ui.click("Send referral")
        ui.wait_text("Waiting to sync")
        ui.shot("referral-queued")
        assert "Received by hub" not in ui.body_text()

        hub.start()  # the signal is back: the engine retries on its own
        ui.wait_text(re.compile("Received by hub"), timeout_s=60)
        ui.shot("referral-receipt")
        reference = re.search(r"ref ([A-Z]+-\d{4}-\d+)", ui.body_text())
        assert reference is not None

        listing = hub.cli("referrals", "list")
        assert reference.group(1) in listing
        assert _steps.hub_attachment(hub, hashlib.sha256(photo).hexdigest()) == photo

        ui.click("Back")
        ui.wait_url("/caseload")
        ui.wait_text("Synced", timeout_s=30)
        ui.shot("caseload-synced")
        ui.close()
