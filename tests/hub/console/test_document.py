"""A referral's page as a document: the body map drawn with its marks, photographs served safely, the receipt check."""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from forms import NOT_KNOWN, FormField
from hub._tables import attachment_chunks, attachment_links, audit, records
from hub.console._document import _words
from tests.hub._records import form_fields
from tests.hub.conftest import Hub
from tests.hub.console.conftest import Browser, push_referral, soup

JPEG = b"\xff\xd8\xff\xe0" + b"not really a picture, but typed as one" * 10


def _hv_form(photo_sha: str) -> dict[str, Any]:
    form = form_fields("hv_concern")
    injuries = form["answers"]["children"][0]["injuries"]
    injuries[0]["photo"] = {"sha256": photo_sha, "name": "arm.jpg", "media_type": "image/jpeg", "size": len(JPEG)}
    injuries[0]["explanation"] = "<img src=x onerror=alert(1)> fell over"
    return form


def _store_photo(hub: Hub, data: bytes) -> str:
    """The photograph's content, stored once by hash (not yet linked to any case)."""
    sha = hashlib.sha256(data).hexdigest()
    with hub.db.write() as conn:
        conn.execute(sa.insert(attachment_chunks).values(sha256=sha, idx=0, data=data))
    return sha


def _link(hub: Hub, sha: str, size: int, case_id: str) -> None:
    """The photograph uploaded for ``case_id`` (access to content belongs to each case that names it)."""
    with hub.db.write() as conn:
        conn.execute(sa.insert(attachment_links).values(sha256=sha, case_id=case_id, size=size, created_by="x",
                                                        complete=True, created_at=time.time()))  # fmt: skip


def _case_of(hub: Hub, record_id: str) -> str:
    with hub.db.read() as conn:
        return str(conn.execute(sa.select(records.c.case_id).where(records.c.record_id == record_id)).scalar_one())


def test_the_body_map_is_drawn_with_each_mark_numbered_and_described(browser: Browser, staff: str, hub: Hub) -> None:
    sha = _store_photo(hub, JPEG)
    record_id = push_referral(hub, form=_hv_form(sha))
    _link(hub, sha, len(JPEG), _case_of(hub, record_id))
    browser.sign_in(staff)
    page = browser.get(f"/referrals/{record_id}")
    html = soup(page)
    figures = html.find(id="body-map").find_next(class_="console-bodymap").find_all("svg")
    labels = sorted(svg["aria-label"] for svg in figures)
    # Two children in the example, each with one mark on the back and one on the front: a figure each.
    assert labels == [f"Body map, Child {n}, {view}, 1 mark" for n in (1, 2) for view in ("back", "front")]
    back = next(svg for svg in figures if "back" in svg["aria-label"])
    circle = back.find("circle", attrs={"fill": "#d4351c"})
    assert (circle["cx"], circle["cy"]) == ("60.0", "200.0")  # x 0.3, y 0.5 of a 200 x 400 figure
    marks = [li.get_text(" ", strip=True) for li in html.find(id="marks").find_all("li")]
    assert len(marks) == 4
    assert marks[0].startswith("Child 1, back: Child 1 – Injury 1.")
    assert "Type of injury: Graze or scratch" in marks[0]  # the option label, not the code
    assert "<img src=x onerror=alert(1)> fell over" in marks[0]  # the referrer's words, as text
    assert html.find("img", attrs={"src": "x"}) is None


def test_photographs_are_served_with_their_type_nosniff_and_a_disposition(
    browser: Browser, staff: str, hub: Hub
) -> None:
    sha = _store_photo(hub, JPEG)
    record_id = push_referral(hub, form=_hv_form(sha))
    _link(hub, sha, len(JPEG), _case_of(hub, record_id))
    browser.sign_in(staff)
    html = soup(browser.get(f"/referrals/{record_id}"))
    img = html.find(id="photographs").find_next("img")
    assert img["src"] == f"/console/referrals/{record_id}/photos/{sha}"
    assert img["alt"].startswith("Photograph: Child 1 – Injury 1")
    photo = browser.client.get(img["src"])
    assert photo.status_code == 200
    assert photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert photo.headers["content-disposition"].startswith("inline; filename=")
    with hub.db.read() as conn:
        seen = conn.execute(sa.select(audit.c.detail).where(audit.c.action == "console.photo")).scalars().all()
    assert [json.loads(d)["sha256"] for d in seen] == [sha]


def test_a_photograph_not_in_the_referral_or_without_sign_in_is_refused(browser: Browser, staff: str, hub: Hub) -> None:
    sha = _store_photo(hub, JPEG)
    other = _store_photo(hub, b"someone else's picture")
    record_id = push_referral(hub, form=_hv_form(sha))
    assert browser.client.get(f"/console/referrals/{record_id}/photos/{sha}").status_code == 401
    browser.sign_in(staff)
    # Named by the referral, but uploaded only for another case: content is shared by hash, access is per case.
    _link(hub, sha, len(JPEG), str(uuid.uuid4()))
    assert browser.client.get(f"/console/referrals/{record_id}/photos/{sha}").status_code == 404
    _link(hub, sha, len(JPEG), _case_of(hub, record_id))
    assert browser.client.get(f"/console/referrals/{record_id}/photos/{sha}").status_code == 200
    assert browser.client.get(f"/console/referrals/{record_id}/photos/{other}").status_code == 404
    assert browser.client.get(f"/console/referrals/{record_id}/photos/not-a-hash").status_code == 404


def test_a_stored_body_that_differs_from_its_receipt_is_flagged(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    with hub.db.write() as conn:
        text = conn.execute(sa.select(records.c.fields).where(records.c.record_id == record_id)).scalar_one()
        changed = json.loads(text)
        changed["summary"] = changed["summary"] + " (edited later)"
        conn.execute(sa.update(records).where(records.c.record_id == record_id).values(fields=json.dumps(changed)))
    browser.sign_in(staff)
    receipt = soup(browser.get(f"/referrals/{record_id}")).find(id="receipt").find_next(class_="govuk-summary-list")
    text = receipt.get_text(" ", strip=True)
    assert "Stored body matches the receipt No: the stored referral differs from what was receipted" in text
    assert "Document matches its own hash Yes" in text  # the document itself was not touched


def _marked_form() -> dict[str, Any]:
    """Child 1 with two injuries: a bruise with marks on the front and the back, a burn with one mark."""
    form = form_fields("hv_concern")
    child = form["answers"]["children"][0]
    first = {k: v for k, v in child["injuries"][0].items() if k != "photo"}
    child["injuries"] = [
        {**first, "injury_type": "bruise", "position": {"marks": [
            {"figure": "child", "view": "front", "x": 0.755, "y": 0.3063, "region": "upper_arm_left", "size_cm": 2.0,
             "shape": "oval"},
            {"figure": "child", "view": "back", "x": 0.5, "y": 0.45, "region": "lower_back"},
        ]}},
        {**first, "injury_type": "burn_scald", "position": {"marks": [
            {"figure": "child", "view": "front", "x": 0.41, "y": 0.63, "region": "thigh_right", "shape": "round"},
        ]}},
    ]  # fmt: skip
    return form


def test_a_stored_referral_keeps_every_mark_and_the_page_draws_each(browser: Browser, staff: str, hub: Hub) -> None:
    form = _marked_form()
    record_id = push_referral(hub, form=form)
    with hub.db.read() as conn:
        stored = json.loads(
            conn.execute(sa.select(records.c.fields).where(records.c.record_id == record_id)).scalar_one()
        )
    [sent] = stored["document"]["forms"]
    kept = [i["position"] for i in sent["answers"]["children"][0]["injuries"]]
    assert kept == [i["position"] for i in form["answers"]["children"][0]["injuries"]]
    assert "mark 2: Lower back (back)" in stored["summary"]

    browser.sign_in(staff)
    html = soup(browser.get(f"/referrals/{record_id}"))
    figures = html.find(id="body-map").find_next(class_="console-bodymap").find_all("svg")
    labels = [svg["aria-label"] for svg in figures]
    assert labels[:2] == ["Body map, Child 1, child, front, 2 marks", "Body map, Child 1, child, back, 1 mark"]
    front = figures[0]
    circles = [(c["cx"], c["cy"]) for c in front.find_all("circle", attrs={"fill": "#d4351c"})]
    assert circles == [("151", "122.5"), ("82", "252")]  # 0.755 x 200, 0.3063 x 400; 0.41 x 200, 0.63 x 400
    assert "Child's left" in front.get_text(" ")
    marks = [li.get_text(" ", strip=True) for li in html.find(id="marks").find_all("li")]
    assert marks[0].startswith("Child 1, front: Child 1 – Injury 1.")
    assert "Type of injury: Bruise" in marks[0]
    assert marks[0].endswith("Mark: Left upper arm (front), 2 cm, oval")
    assert marks[1].endswith("Mark: Lower back (back)")
    assert marks[2].endswith("Mark: Right thigh (front), round")
    assert "Type of injury: Burn or scald" in marks[2]


def test_an_answer_given_as_not_known_reads_not_known() -> None:

    field = FormField.model_validate(
        {"kind": "nhs_number", "id": "nhs", "label": "NHS number", "allow_not_known": True}
    )
    tz = ZoneInfo("Europe/London")
    assert _words(field, dict(NOT_KNOWN), tz) == "Not known"
    assert _words(field, "9434765919", tz) == "943 476 5919"


def test_version_2_questions_read_in_plain_words_and_a_document_is_not_a_photograph() -> None:
    from hub.console._document import build
    from tests.hub._records import referral_fields

    fields = referral_fields(str(uuid.uuid4()))
    doc = build(fields, {}, ZoneInfo("Europe/London"))
    listed = [(label, words) for _, sections in doc.forms for section in sections for label, words in section.rows]
    rows = dict(listed)
    # Version 3 asks it for each child (this school nurse referral has one), in its own section.
    open_case = [words for label, words in listed if label == "Is this child open to children's social care now?"]
    assert open_case == ["Yes"]
    assert "Child 1 – Known to children's social care" in [s.title for _, sections in doc.forms for s in sections]
    assert rows["What kind of plan?"] == "Child in need (section 17)"
    assert rows["Is there an early help assessment?"] == "Yes, in progress"
    assert rows["The early help assessment (attach it if you have it)"] == "Attached file: early-help.pdf"
    assert rows["Ethnic group (2021 census)"] == "White"
    assert rows["Which best describes the child's White background?"] == (
        "English, Welsh, Scottish, Northern Irish or British"
    )
    assert rows["Which best describes the adult's White background?"] == "Irish"
    assert rows["What do you expect to happen, or what service are you asking for?"] == (
        "A children's social care assessment (section 17)"
    )
    assert rows["When did you phone the MASH?"] == "09:55 on 30 November 2026"
    codes = [w for w in rows.values() if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", w)]
    assert codes == []  # no answer reads as a code
    assert ("Child safe now", "Yes") in doc.emergency
    assert ("Where the child is now", "At home with their mother, 12 Sea View Road, Torquay.") in doc.emergency
    assert all(p.media_type.startswith("image/") for p in doc.photos)
    assert "cd" * 32 not in {p.sha256 for p in doc.photos}  # the early help PDF is named, never drawn as a picture
