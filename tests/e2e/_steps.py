"""Steps shared by the end-to-end flows: set up a device, enrol, add a case, fill the concern form."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa

from hub._tables import conflicts, records
from tests.support.browser import AppPage, FormDriver
from tests.support.hubproc import HubProcess

PASSPHRASE = "amber otter quietly folds maps"


def create_vault(ui: AppPage) -> None:
    ui.wait_text("Set up this device")
    ui.shot("setup")
    ui.type_label("Passphrase", PASSPHRASE)
    ui.type_label("Confirm passphrase", PASSPHRASE)
    ui.click("Create vault")
    ui.wait_url("/enrol")


def enrol(ui: AppPage, hub_url: str, code: str, landing: str = "/caseload") -> None:
    """Enrol, then wait for the role's landing screen (a GP's is the inbox)."""
    ui.wait_url("/enrol")
    ui.type_ident("hub-url", hub_url)
    ui.type_ident("enrol-code", code)
    ui.shot("enrol")
    ui.click("Enrol", exact=True)
    ui.wait_url(landing)


def unlock(ui: AppPage) -> None:
    ui.wait_text("Enter your passphrase")
    ui.type_label("Passphrase", PASSPHRASE)
    ui.click("Unlock")


def add_case(
    ui: AppPage, name: str, nhs: str = "943 476 5919", postcode: str = "TQ1 2AB", dob: str = "2025-06-01"
) -> str:
    ui.wait_url("/caseload")
    ui.click("New case")
    ui.wait_url("/case/new")
    ui.type_label("Child's name", name)
    ui.type_label("Date of birth (YYYY-MM-DD)", dob)
    ui.type_label("NHS number", nhs)
    ui.type_label("Postcode", postcode)
    ui.shot("new-case")
    ui.click("Save case")
    ui.wait_text("Raise a concern")
    case_id = ui.page.url.rstrip("/").rsplit("/", 1)[-1]
    ui.shot("case")
    return case_id


def fill_concern(ui: AppPage, *, visit_date: bool = True) -> FormDriver:
    """The health visitor concern form: urgency gate and the child now, visit, one injury on the body map, social care,
    police and early help, concern, consent, sign.
    ``visit_date=False`` leaves the date of the contact blank (for a flow that enters it by keyboard)."""
    f = FormDriver(ui)
    f.wait("immediate_danger")
    f.radio("immediate_danger", "Yes")
    ui.wait_text("CALL 999 NOW")
    ui.shot("concern-999-banner")
    f.radio("immediate_danger", "No")
    f.text("child_location_now", "At home with her mother.")  # version 2: right now, asked first
    f.radio("child_safe_now", "Yes")
    f.text("action_taken", "I stayed until the GP had seen the baby.")
    f.radio("mash_call_made", "No")
    today = date.today().isoformat()
    if visit_date:
        f.date("visit_date", today)
    f.radio("visit_type", "Home visit")
    f.text("present", "Mother and the baby.")
    f.radio("child_seen", "Yes")
    f.radio("access", "Neither")
    ui.shot("concern-visit")
    f.radio("children[0].csc_open_case", "No")
    f.radio("children[0].mobile", "No")
    f.radio("children[0].injury_seen", "Yes")
    if f.field("children[0].injuries[0].position").count() == 0:
        f.press("children[0].injuries", "Add injury")
    f.wait("children[0].injuries[0].position")
    ui.ident("bodymap-children[0].injuries[0].position").click()  # a tap on the figure's middle: the tummy
    ui.wait_text("Mark 1 added: Abdomen (tummy).")
    ui.scroll_to(ui.ident("bodymap-children[0].injuries[0].position"), top=200)
    ui.shot("concern-body-map")
    f.radio("children[0].injuries[0].injury_type", "Bruise")
    f.radio("children[0].injuries[0].explanation_given", "Yes")
    f.text("children[0].injuries[0].explanation", "Mother said the baby rolled off the sofa.")
    f.text("children[0].injuries[0].explained_by", "Mother")
    f.text("children[0].injuries[0].observed_at", f"{today} 09:40")
    f.text("children[0].injuries[0].recorded_by", "Hana Visitor")
    f.radio("perinatal_mental_health", "Concern")
    f.text("perinatal_mental_health_detail", "Low mood since the birth; known to the GP.")
    f.radio("substance_misuse", "No concern")
    f.radio("police_involved", "No")
    f.radio("eh_assessment", "No early help assessment")
    f.tick("categories", "Physical abuse")
    f.text("worry", "A bruise on the upper arm of a non-mobile baby.")
    f.text("facts", "I saw a 2 cm bruise on the left upper arm.")
    f.radio("da_safe_to_ask", "Yes")
    f.radio("da_disclosed", "No")
    f.radio("level_of_need", "Level 4: child protection (significant harm or the risk of it)")
    f.text("threshold_rationale", "Any bruise on a non-mobile baby needs a referral.")
    f.radio("referral_decision", "Refer to the MASH (children's social care)")
    f.radio("expected_outcome", "Child protection enquiries (section 47)")
    f.radio("parent_informed", "Yes")
    f.radio("consent", "Not sought")
    f.text("consent_not_given_reason", "Level 4: sharing without consent to protect the baby.")
    f.text("referrer_name", "Hana Visitor")
    f.text("referrer_role", "Health visitor")
    f.text("registration", "12A3456E")
    f.text("referrer_email", "hana.visitor@nhs.net")
    f.text("referrer_phone", "01803 123456")
    f.text("referred_at", f"{today} 10:15")
    f.radio("safeguarding_lead_consulted", "Yes")
    f.text("safeguarding_lead_name", "Jo Hughes")
    f.tick("attestation", "Signed as")
    ui.shot("concern-signed")
    return f


def mark_by_region(f: FormDriver, path: str, side: str, region: str, position: str) -> None:
    """The keyboard and screen-reader path: the side, a body part from the list, a position in it, "Add mark"."""
    f.radio(path, side)
    f.radio(path, region)
    f.radio(path, position)
    f.press(path, "Add mark on this body part")


def add_photo(ui: AppPage, path: str, name: str, data: bytes) -> None:
    """Press "Add photograph" in the field at ``path`` and choose a file through the browser's real file chooser.
    The file is handed over from memory (no copy on disk), as a user's choice would be."""
    button = ui.ident(f"f-{path}").get_by_role("button", name="Add photograph").first
    button.wait_for(state="attached")
    with ui.page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files({"name": name, "mimeType": "image/png", "buffer": data})


def hub_attachment(hub: HubProcess, sha256: str, timeout_s: float = 60.0) -> bytes:
    """The attachment's bytes as the hub holds them, read over its HTTP API by a hub staff device (enrolled here
    through the CLI's one-time code); waits until the upload is complete (it follows the records)."""
    code = hub.enrol_code("staff-e2e", "hub_staff", display_name="Sam Staff")
    creds = httpx.post(hub.base_url + "/v1/enrol", json={"code": code, "device_name": "e2e check"}).json()
    headers = {"Authorization": f"Bearer {creds['access_token']}"}
    deadline = time.monotonic() + timeout_s
    while True:
        status = httpx.get(f"{hub.base_url}/v1/attachments/{sha256}", headers=headers).json()
        if status.get("complete"):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"the hub never held attachment {sha256} completely: {status}")
        time.sleep(0.2)  # polling interval while waiting for the upload
    got = httpx.get(f"{hub.base_url}/v1/attachments/{sha256}/content", headers=headers)
    got.raise_for_status()
    assert hashlib.sha256(got.content).hexdigest() == sha256
    return got.content


def hub_records(hub: HubProcess, **where: str) -> list[dict[str, Any]]:
    """Rows of the hub's own ``records`` table (what it stored, not what a screen says), oldest first, with their
    fields parsed. ``where`` filters by column (``case_id=...``, ``record_type=...``)."""
    engine = sa.create_engine(hub.db_url)
    try:
        query = sa.select(records).order_by(records.c.seq)
        for column, value in where.items():
            query = query.where(records.c[column] == value)
        with engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
    finally:
        engine.dispose()
    for row in rows:
        row["fields"] = json.loads(row["fields"])
    return rows


def hub_conflicts(hub: HubProcess, record_id: str) -> list[dict[str, Any]]:
    """The conflicts the hub recorded for a record, oldest first, with their field lists parsed."""
    engine = sa.create_engine(hub.db_url)
    try:
        query = sa.select(conflicts).where(conflicts.c.record_id == record_id).order_by(conflicts.c.conflict_id)
        with engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
    finally:
        engine.dispose()
    for row in rows:
        row["fields"] = json.loads(row["fields"])
    return rows


def answer_gp_request(f: FormDriver, when: str) -> None:
    """The GP's response, question by question: registration, each question the hub asked, analysis, sign-off
    (as a GP with a GMC number, the form's defaults). ``when`` is the response time as typed."""
    f.wait("nothing_known")
    f.radio("registration_status", "Registered with this practice")
    f.date("registered_since", "2024-03-05")
    f.radio("nothing_known", "No")
    f.wait("question_answers[0].answer")
    f.text("question_answers[0].answer", "Yes: registered since birth; seen for asthma.")
    n = 1
    while f.field(f"question_answers[{n}].answer").count():  # every question the hub asked gets its answer
        f.text(f"question_answers[{n}].answer", f"Nothing relevant on the record (question {n + 1}).")
        n += 1
    f.text("conditions", "Asthma, well controlled.")
    f.text("gp_analysis", "No safeguarding concerns known to the practice.")
    f.radio("health_rag", "Green")
    f.radio("info_withheld", "No")
    f.radio("shared_without_consent", "No")
    f.text("responder_name", "Dr Gina Practitioner")
    f.text("gmc_number", "1234567")
    f.text("responded_at", when)  # typed (a click on Now may miss)
    f.tick("signature", "Signed as")


def confirm_and_send(ui: AppPage) -> None:
    """On "Review the referral": confirm the consent and the lawful basis as recorded, and send."""
    ui.tick(ui.ident("confirm-consent").get_by_role("checkbox").first, "consent checked")
    ui.tick(ui.ident("confirm-basis").get_by_role("checkbox").first, "lawful basis confirmed")
    ui.click("Send referral")
