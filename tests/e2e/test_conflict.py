"""Flow 3, conflict: one case edited on two devices; the second sees the conflicts screen, keeps its own value, and
the hub ends up holding the chosen value (seen from the first device after it syncs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e import _steps
from tests.support.browser import AppPage
from tests.support.hubproc import HubProcess
from tests.support.webapp import WebApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def edit_postcode(ui: AppPage, postcode: str) -> None:
    ui.click("Demographics")
    ui.type_label("Postcode", postcode)
    ui.click("Save details")
    ui.wait_text("Saved on this device")


def test_same_case_edited_on_two_devices(browser: Browser, tmp_path: Path) -> None:
    with HubProcess() as hub, WebApp(tmp_path / "a", log_dir=tmp_path) as app_a:
        code_a = hub.enrol_code("hv1", "health_visitor", display_name="Hana Visitor")
        code_b = hub.enrol_code("hv1", "health_visitor")
        a = AppPage(browser, app_a.url, "conflict", prefix="a-").open()
        _steps.create_vault(a)
        _steps.enrol(a, hub.base_url, code_a)
        _steps.add_case(a, "Poppy Canary")
        case_url = a.page.url
        a.click("Back")
        a.wait_text("Synced", timeout_s=30)

        app_b = WebApp(tmp_path / "b", log_dir=tmp_path).start()
        try:
            b = AppPage(browser, app_b.url, "conflict", prefix="b-").open()
            _steps.create_vault(b)
            _steps.enrol(b, hub.base_url, code_b)
            b.wait_text("Poppy Canary", timeout_s=60)  # pulled from the hub
            b.follow(b.text("Poppy Canary"), r"/case/[^/]+$")
            b.wait_text("Raise a concern")

            hub.stop()  # device B works offline
            edit_postcode(b, "TQ1 3BB")
            b.shot("device-b-offline-edit")
        finally:
            app_b.stop()  # B is switched off with its edit unsent

        hub.start()
        a.follow(a.text("Poppy Canary"), r"/case/[^/]+$")
        a.wait_text("Raise a concern")
        edit_postcode(a, "TQ2 5AA")
        a.click("Back")
        a.wait_text("Synced", timeout_s=30)
        a.shot("device-a-edit-synced")

        with WebApp(tmp_path / "b", log_dir=tmp_path) as app_b2:
            b = AppPage(browser, app_b2.url, "conflict", prefix="b2-").open()
            _steps.unlock(b)
            b.wait_url("/caseload")
            b.wait_text("1 conflict", timeout_s=60)
            b.shot("device-b-caseload-conflict")
            b.ident("sync-status").click()
            b.wait_url("/sync")
            b.shot("device-b-sync")
            b.click("Resolve conflicts")
            b.wait_url("/conflicts")
            b.wait_text("Take theirs: TQ2 5AA")
            b.shot("device-b-conflicts")
            b.ident("conflict-postcode").get_by_role("radio", name="Keep mine: TQ1 3BB").click()
            b.click("Save my choices")
            b.wait_text("No conflicts")
            b.shot("device-b-resolved")
            b.click("Back")
            b.wait_url("/sync")
            b.click("Back")
            b.wait_url("/caseload")
            b.wait_text("Synced", timeout_s=60)  # B's choice has reached the hub
            b.shot("device-b-synced")

            # The hub now holds B's choice: device A receives it at its next sync.
            deadline_reloads = 30
            for _ in range(deadline_reloads):
                a.page.goto(case_url)
                a.enable_semantics()
                body = a.wait_text("Raise a concern")
                if "TQ1 3BB" in body:
                    break
                a.page.wait_for_timeout(1000)
            assert "TQ1 3BB" in a.body_text()
            a.shot("device-a-sees-choice")

        # Read from the hub itself: the final values and version, and the conflict it recorded with all three sides.
        case_id = case_url.rstrip("/").rsplit("/", 1)[-1]
        [case] = _steps.hub_records(hub, record_type="case", case_id=case_id)
        assert case["fields"]["postcode"] == "TQ1 3BB"  # B's choice
        assert case["fields"]["child_name"] == "Poppy Canary"
        assert case["version"] == 3  # created, A's edit, B's choice on top of it
        [conflict] = _steps.hub_conflicts(hub, case["record_id"])
        assert (conflict["base_version"], conflict["hub_version"]) == (1, 2)
        assert conflict["fields"] == [{"field": "postcode", "base": "TQ1 2AB", "mine": "TQ1 3BB", "theirs": "TQ2 5AA"}]
