"""Flow of issue 12, school nurse: a pupil discloses at school; the school nurse's "Raise a concern" opens HER form
(the school nurse referral, not the health visitor's), with her name and NMC PIN already filled in from enrolment;
she records the disclosure in the pupil's words, checks her answers and sends the referral. The test checks what
the hub STORED: the form is the school nurse referral, with the pupil's exact words, and the referral was received.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e import _steps
from tests.support.browser import AppPage, FormDriver
from tests.support.hubproc import HubProcess
from tests.support.webapp import WebApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

WORDS = "He hits me with his belt when he has been drinking. Please don't tell him I told you."


def test_school_nurse_raises_her_own_referral_from_a_disclosure(browser: Browser, tmp_path: Path) -> None:
    today = date.today().isoformat()
    with HubProcess() as hub, WebApp(tmp_path / "sn", log_dir=tmp_path) as app:
        code = hub.enrol_code("sn1", "school_nurse", display_name="Sian Nurse", registration="15B2468E")
        ui = AppPage(browser, app.url, "school_nurse").open()
        _steps.create_vault(ui)
        _steps.enrol(ui, hub.base_url, code)
        case_id = _steps.add_case(ui, "Jago Trelawny", dob="2012-03-04", postcode="TR1 2AB")
        ui.click("Raise a concern")

        f = FormDriver(ui)
        f.wait("school_name")  # her own form: the health visitor's has no school question here
        # Her name and NMC PIN are never typed here: they come from enrolment (checked in what the hub stored).
        ui.shot("sn-form")
        f.radio("immediate_danger", "No")
        f.text("child_location_now", "In the school nurse's room at Truro Academy.")  # version 2: the child now
        f.radio("child_safe_now", "Yes")
        f.text("action_taken", "He stays at school with the designated safeguarding lead until the MASH calls back.")
        f.radio("mash_call_made", "Yes")
        f.text("mash_call_at", f"{today} 11:20")
        f.text("mash_call_taken_by", "Tamsin, screening officer")
        f.text("school_name", "Truro Academy")
        f.radio("dsl_informed", "Yes")
        f.text("dsl_name", "Kerenza Hocking")
        f.text("children[0].school", "Truro Academy")
        f.text("children[0].child_phone", "07700 900123")  # asked from 11
        f.radio("children[0].sexual_activity", "No")
        f.radio("children[0].csc_open_case", "Not known")  # version 3: asked for each child
        f.radio("children[0].injury_seen", "No")
        f.radio("disclosure_made", "Yes")
        f.text("pupil_words", WORDS)
        f.text("disclosure_time", f"{today} 11:05")
        f.text("disclosure_present", "School nurse only")
        ui.shot("sn-disclosure")
        f.radio("police_involved", "No")
        f.radio("eh_assessment", "No early help assessment")
        f.tick("categories", "Physical abuse")
        f.text("worry", "A Year 9 pupil discloses being hit with a belt by his father when drunk.")
        f.text("facts", "He told me in the drop-in at break. No marks seen today.")
        for screen in ("screen_exploitation", "screen_missing", "screen_self_harm", "screen_online", "screen_peer"):
            f.radio(screen, "No concern")
        f.radio("level_of_need", "Level 4: child protection (significant harm or the risk of it)")
        f.text("threshold_rationale", "Disclosure of physical abuse by a parent.")
        f.radio("referral_decision", "Refer to the MASH (children's social care)")
        f.radio("expected_outcome", "Child protection enquiries (section 47)")
        f.radio("parent_informed", "No")
        f.radio("not_informed_reason", "Telling them would put a child at risk of significant harm")
        f.text("approving_manager", "Kerenza Hocking")
        f.radio("consent", "Not sought")
        f.text("consent_not_given_reason", "Telling the father would put the pupil at risk.")
        f.text("referrer_role", "School nurse")
        f.text("referrer_agency", "Cornwall school nursing")
        f.text("referrer_email", "sian.nurse@nhs.net")
        f.text("referrer_phone", "01872 123456")
        f.text("referred_at", f"{today} 11:40")
        f.radio("safeguarding_lead_consulted", "Yes")
        f.text("safeguarding_lead_name", "Kerenza Hocking")
        f.tick("attestation", "Signed as")
        f.submit(r"/referral/")

        ui.wait_text("Review the referral")
        ui.shot("sn-review")
        _steps.confirm_and_send(ui)
        ui.wait_text(re.compile("Received by hub"), timeout_s=60)
        ui.shot("sn-received")

        [form] = _steps.hub_records(hub, case_id=case_id, record_type="form")
        assert form["fields"]["form_id"] == "sn_referral"
        answers = form["fields"]["answers"]
        assert answers["pupil_words"] == WORDS
        assert (answers["referrer_name"], answers["registration"]) == ("Sian Nurse", "15B2468E")
        assert form["fields"]["form_version"] == 3
        assert (answers["mash_call_made"], answers["mash_call_taken_by"]) == (True, "Tamsin, screening officer")
        assert answers["children"][0]["child_phone"] == "07700900123"
        assert (answers["children"][0]["csc_open_case"], answers["expected_outcome"]) == (
            "not_known",
            "child_protection",
        )
        assert "csc_open_case" not in answers
        [referral] = _steps.hub_records(hub, case_id=case_id, record_type="referral")
        assert [d["form_id"] for d in referral["fields"]["document"]["forms"]] == ["sn_referral"]
        ui.close()
