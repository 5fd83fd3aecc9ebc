"""Flow 3 of issue 12, health visitor: a referral carries two marked injuries onto the hub. The first injury has a
mark tapped on the baby's figure and a second placed on the back by the keyboard path (side, body part, position);
the second injury one mark placed by the keyboard path. The test checks what the hub STORED (its records table):
the form and the referral's document hold both injuries with every mark, inside the regions they name.

Tapping Flet's canvas is used once (the figure's middle, where Playwright clicks the figure's accessible element);
every other mark goes by the region list, which is what keyboard and screen-reader users use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from forms import region_at
from tests.e2e import _steps
from tests.support.browser import AppPage
from tests.support.hubproc import HubProcess
from tests.support.webapp import WebApp

FIRST = "children[0].injuries[0].position"
SECOND = "children[0].injuries[1]"

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]  # two injuries: a long flow


def test_two_marked_injuries_reach_the_hub_with_every_mark(browser: Browser, tmp_path: Path) -> None:
    with HubProcess() as hub, WebApp(tmp_path / "hv", log_dir=tmp_path) as app:
        code = hub.enrol_code("hv1", "health_visitor", display_name="Hana Visitor")
        ui = AppPage(browser, app.url, "body_map").open()
        _steps.create_vault(ui)
        _steps.enrol(ui, hub.base_url, code)
        case_id = _steps.add_case(ui, "Poppy Canary", dob="2025-06-01")  # 18 months: the baby figure
        ui.click("Raise a concern")
        form = _steps.fill_concern(ui)  # injury 1, mark 1: tapped on the tummy
        _steps.mark_by_region(form, FIRST, "Back", "Buttocks", "Towards the child's left")
        ui.wait_text("Mark 2 added: Buttocks, towards the child's left.", timeout_s=60)
        ui.type_into(form.field(FIRST).get_by_role("textbox", name="Size of mark 2 (cm)").first, "3")
        ui.wait_text("Mark 2: Buttocks (back), 3 cm")
        ui.shot("injury-1-two-marks")

        form.press("children[0].injuries", "Add injury")
        form.wait(f"{SECOND}.position")
        _steps.mark_by_region(form, f"{SECOND}.position", "Front", "Left forearm", "Lower part")
        ui.wait_text("Mark 1 added: Left forearm, lower part.", timeout_s=60)
        form.radio(f"{SECOND}.injury_type", "Burn or scald")
        form.radio(f"{SECOND}.explanation_given", "No")
        form.text(f"{SECOND}.observed_at", form.typed["children[0].injuries[0].observed_at"])
        form.text(f"{SECOND}.recorded_by", "Hana Visitor")
        ui.shot("injury-2-keyboard-mark")

        # "Add injury" rebuilds the repeat's items (the renderer's way), and Flutter's accessible DOM shows the rebuilt
        # boxes of injury 1, now off screen, empty: what they hold is checked where it counts, in the hub's records.
        for path in [p for p in form.typed if p.startswith("children[0].injuries[0].")]:
            form.typed.pop(path)
        form.submit(r"/referral/")
        ui.wait_text("Review the referral")
        ui.wait_text("Child 1, Injury 2: Burn or scald. Marks: 3. Left forearm (front)")
        ui.shot("review-body-map")
        _steps.confirm_and_send(ui)
        ui.wait_text(re.compile("Received by hub"), timeout_s=60)
        ui.wait_text("Child 1, Injury 1: Bruise. Marks: 1. Abdomen (tummy) (front); 2. Buttocks (back), 3 cm")
        ui.shot("receipt-body-map")
        check_the_hub_stored_both(hub, case_id)
        ui.close()


def check_the_hub_stored_both(hub: HubProcess, case_id: str) -> None:
    stored = _steps.hub_records(hub, case_id=case_id)
    [form] = [r for r in stored if r["record_type"] == "form"]
    [referral] = [r for r in stored if r["record_type"] == "referral"]
    injuries = form["fields"]["answers"]["children"][0]["injuries"]
    assert [i["injury_type"] for i in injuries] == ["bruise", "burn_scald"]
    assert injuries[0]["explanation"] == "Mother said the baby rolled off the sofa."  # typed before "Add injury"
    assert (injuries[0]["explained_by"], injuries[1]["recorded_by"]) == ("Mother", "Hana Visitor")
    marks = [[(m["figure"], m["view"], m["region"]) for m in i["position"]["marks"]] for i in injuries]
    assert marks == [
        [("infant", "front", "abdomen"), ("infant", "back", "buttocks")],
        [("infant", "front", "forearm_left")],
    ]
    for mark in [m for i in injuries for m in i["position"]["marks"]]:
        found = region_at(mark["figure"], mark["view"], mark["x"], mark["y"])
        assert found is not None
        assert found.code == mark["region"]  # each stored point lies in the region it names
    assert injuries[0]["position"]["marks"][1]["size_cm"] == 3
    document = referral["fields"]["document"]["forms"][0]["answers"]
    assert document["children"][0]["injuries"] == injuries  # the referral carries both, every mark
    summary = referral["fields"]["summary"]
    assert "mark 1: Abdomen (tummy) (front); mark 2: Buttocks (back), 3 cm" in summary
    assert "mark 1: Left forearm (front)" in summary
