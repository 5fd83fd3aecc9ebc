"""Flow 2, GP: the hub creates an information request; the GP's device syncs, answers it, syncs; the hub shows it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from protocol import content_hash
from tests.e2e import _steps
from tests.support.browser import AppPage, FormDriver
from tests.support.hubproc import HubProcess
from tests.support.webapp import WebApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_gp_answers_an_information_request(browser: Browser, tmp_path: Path) -> None:
    with HubProcess() as hub, WebApp(tmp_path / "gp", log_dir=tmp_path) as app:
        hub.create_user("staff1", "hub_staff", display_name="Sam Staff")
        code = hub.enrol_code("gp1", "gp", display_name="Dr Gina Practitioner")
        made = hub.cli(
            "requests",
            "create",
            "--practice",
            "A81001",
            "--child-name",
            "Alex Example",
            "--child-dob",
            "2024-03-01",
            "--child-nhs",
            "9434765919",
            "--adult",
            "Jordan Example;1994-07-12;mother",
            "--rag",
            "red",
            "--question",
            "Is the family known to the practice?",
            "--by",
            "staff1",
        )
        reference = re.search(r"[A-Z]+-\d{4}-\d+", made)
        assert reference is not None, made

        ui = AppPage(browser, app.url, "gp").open()
        _steps.create_vault(ui)
        _steps.enrol(ui, hub.base_url, code, landing="/inbox")  # a GP lands on the inbox
        ui.wait_text(reference.group(0), timeout_s=60)
        ui.wait_text("Due in")
        ui.shot("inbox")
        ui.follow(ui.text(re.compile(reference.group(0))), r"/request/")
        ui.wait_text("Is the family known to the practice?")
        ui.shot("request")

        ui.click("Respond")
        f = FormDriver(ui)
        f.wait("nothing_known")
        ui.shot("response-form")
        _steps.answer_gp_request(f, dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
        # The question as the hub asked it, read as text (its accessible label), with no box to change it.
        question = f.field("question_answers[0].question")
        read = question.evaluate(
            "e => [e, ...e.querySelectorAll('*')].map(x => (x.getAttribute('aria-label') || '') + ' '"
            " + (x.childElementCount ? '' : x.textContent || '')).join(' ')"
        )
        assert "The question asked" in read, read
        assert "Is the family known to the practice?" in read, read
        assert question.locator("input, textarea").count() == 0
        ui.shot("response-filled")
        f.submit(r"/request/[^/]+$")
        ui.wait_text("Answered")
        ui.shot("response-queued")
        ui.wait_text("Received by hub", timeout_s=60)
        ui.shot("response-receipt")

        hub_ref = re.search(r"ref ([A-Z]+-\d{4}-\d+)", ui.body_text())
        assert hub_ref is not None
        listing = hub.cli("responses", "list")
        assert hub_ref.group(1) in listing, listing
        request_id = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", made)
        assert request_id is not None, made
        assert request_id.group(0) in listing, (made, listing)
        # The answer as the hub stored it: what the GP typed, against the request, under the receipt shown.
        [response] = _steps.hub_records(hub, record_type="response")
        fields, answers = response["fields"], response["fields"]["answers"]
        assert (fields["form_id"], fields["request_id"]) == ("gp_response", request_id.group(0))
        assert (response["request_id"], response["practice_ods"]) == (request_id.group(0), "A81001")
        assert answers["nothing_known"] is False
        assert answers["question_answers"] == [
            {
                "question": "Is the family known to the practice?",
                "answer": "Yes: registered since birth; seen for asthma.",
            }
        ]  # question by question, the question as the hub asked it
        assert (answers["registration_status"], answers["registered_since"]) == ("registered", "2024-03-05")
        assert (answers["responder_type"], answers["registration_type"]) == ("gp", "gmc")
        assert answers["conditions"] == "Asthma, well controlled."
        assert answers["gp_analysis"] == "No safeguarding concerns known to the practice."
        assert (answers["health_rag"], answers["info_withheld"], answers["shared_without_consent"]) == (
            "green", False, False
        )  # fmt: skip
        assert (answers["responder_name"], answers["gmc_number"]) == ("Dr Gina Practitioner", "1234567")
        assert answers["practice_ods"] == "A81001"  # prefilled from the request
        assert response["receipt_ref"] == hub_ref.group(1)
        assert response["receipt_hash"] == content_hash(fields)
        ui.close()
