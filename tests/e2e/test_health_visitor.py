"""Flow 1, health visitor: create vault, enrol, work offline (hub stopped): case, note, concern form with a body map
injury and a photograph of it (through the browser's file chooser), referral to the outbox; start the hub; sync;
the hub's CLI shows the referral, the app its receipt, and the hub's API holds the photograph with the same SHA-256."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from protocol import content_hash
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
        case_id = _steps.add_case(ui, "Poppy Canary")
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
        _steps.confirm_and_send(ui)
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
        check_what_the_hub_stored(hub, case_id, reference.group(1), photo)

        ui.click("Back")
        ui.wait_url("/caseload")
        ui.wait_text("Synced", timeout_s=30)
        ui.shot("caseload-synced")
        ui.close()


def check_what_the_hub_stored(hub: HubProcess, case_id: str, reference: str, photo: bytes) -> None:
    """The hub's own tables hold the case, the note, the form and the referral as the user made them: routed to
    Torbay (postcode TQ1 2AB), with the answers typed, the lawful basis and consent recorded, its document's hash,
    and the receipt the device showed."""
    stored = _steps.hub_records(hub, case_id=case_id)
    assert [r["record_type"] for r in stored] == ["case", "note", "form", "referral"]
    case, note, form, referral = stored
    assert (case["version"], case["fields"]["child_name"]) == (1, "Poppy Canary")
    assert (case["fields"]["nhs_number"], case["fields"]["postcode"]) == ("9434765919", "TQ1 2AB")
    assert note["fields"]["text"] == "Home visit. Baby has a bruise on the left upper arm."
    answers = form["fields"]["answers"]
    assert form["fields"]["form_id"] == "hv_concern"
    assert answers["worry"] == "A bruise on the upper arm of a non-mobile baby."
    assert answers["facts"] == "I saw a 2 cm bruise on the left upper arm."
    assert answers["level_of_need"] == "4"
    assert (answers["parent_informed"], answers["consent"]) == (True, "not_sought")
    assert answers["consent_not_given_reason"] == "Level 4: sharing without consent to protect the baby."
    assert (answers["lawful_basis_art6"], answers["lawful_basis_art9"]) == ("art6_1_e", "art9_2_g_dpa_s1_p18")
    assert answers["referrer_phone"] == "01803123456"  # stored normalised
    [injury] = answers["children"][0]["injuries"]
    assert injury["injury_type"] == "bruise"
    assert injury["photo"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert injury["photo"]["size"] == len(photo)
    fields = referral["fields"]
    assert referral["routed_to"] == "Torbay Council (E06000027)"
    assert fields["local_authority"] == {"code": "E06000027", "key": "torbay", "name": "Torbay Council"}
    assert (fields["level_of_need"], fields["case_id"]) == (4, case_id)
    assert fields["form_record_ids"] == [form["record_id"]]
    assert fields["document"]["forms"][0]["answers"] == answers  # the referral carries the form as stored
    assert fields["lawful_basis"] == {"article6": "6(1)(e)", "article9": "9(2)(g)", "dpa_2018": "Sch 1 para 18"}
    assert fields["consent"] == {
        "parent_informed": True, "not_informed_reason": None, "approving_manager": None, "consent": "not_sought",
        "given_by": None, "covers": None,
        "reason_if_not_given": "Level 4: sharing without consent to protect the baby.",
    }  # fmt: skip
    assert (
        "Lawful basis: UK GDPR Art 6(1)(e) (public task); Art 9(2)(g) with DPA 2018 Sch 1 para 18."
        in (fields["summary"])
    )
    assert fields["content_hash"] == content_hash(fields["document"])  # the document is the one hashed
    assert referral["receipt_ref"] == reference
    assert referral["receipt_hash"] == content_hash(fields)  # the receipt proves these stored fields
