"""The attachment (photograph) field's logic: type and size checks, the value's shape, storing, replacing, removing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from uuid import UUID

import pytest

from fieldapp._services import Services
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.state.photo import (
    LOST_MESSAGE,
    MAX_PHOTO_BYTES,
    PhotoField,
    PickedFile,
    check_photo,
    describe,
    human_size,
    photo_value,
    read_value,
    safe_name,
    sniff,
)
from forms import AttachmentRef
from tests.support.images import ftyp, jpeg_head, png

PHOTO = "children[0].injuries[0].photo"
CHILD = {"child_name": "Amy Example", "nhs_number_not_known": True}


def test_the_content_decides_the_type() -> None:
    assert sniff(png()) == "image/png"
    assert sniff(jpeg_head()) == "image/jpeg"
    assert sniff(ftyp(b"heic", b"mif1", b"heic")) == "image/heic"
    assert sniff(ftyp(b"mif1", b"heic")) == "image/heic"
    assert sniff(ftyp(b"mif1", b"miaf")) == "image/heif"
    assert sniff(ftyp(b"avif", b"mif1")) is None  # AVIF is not offered
    assert sniff(ftyp(b"mif1", b"avif")) is None
    assert sniff(ftyp(b"isom", b"mp41")) is None  # a video
    assert sniff(b"%PDF-1.7\n...") is None
    assert sniff(b"\x89PNG\r\n\x1a\n") is None  # a signature alone is not a PNG
    assert sniff(b"") is None


def test_checks_refuse_empty_too_big_and_not_images() -> None:
    assert "empty" in check_photo("a.png", b"").message
    big = check_photo("big.png", png(pad=b"\0" * MAX_PHOTO_BYTES))
    assert big.value is None
    assert "too big" in big.message
    assert "10.0 MB" in big.message
    renamed = check_photo("letter.jpg", b"%PDF-1.7\n" + b"x" * 100)
    assert renamed.value is None
    assert "not a photograph" in renamed.message
    ok = check_photo("C:\\Users\\hv\\bruise.JPG", png())
    assert ok.ok
    assert ok.value == {"name": "bruise.JPG", "media_type": "image/png", "size": len(png())}
    at_limit = png()
    at_limit += b"\0" * (MAX_PHOTO_BYTES - len(at_limit))
    assert check_photo("max.png", at_limit).ok


def test_names_sizes_and_the_value_shape() -> None:
    assert safe_name("/home/hv/Pictures/arm.png") == "arm.png"
    assert safe_name("a\x00b\x1f.png") == "ab.png"
    assert safe_name("   ") == "photograph"
    long = safe_name("x" * 400 + ".jpeg")
    assert len(long) == 255
    assert long.endswith(".jpeg")
    assert human_size(900) == "900 bytes"
    assert human_size(2048) == "2 KB"
    assert human_size(3 * 1024 * 1024 + 1) == "3.0 MB"
    sha = hashlib.sha256(b"x").hexdigest()
    value = photo_value(sha, "arm.png", "image/png", 1234)
    assert AttachmentRef.model_validate(value).sha256 == sha
    assert read_value(value) == value
    assert read_value({"sha256": "nothex", "name": "a", "media_type": "image/png", "size": 1}) is None
    assert read_value("arm.png") is None
    assert describe(value) == "arm.png · 1 KB"


def _photo_field(services: Services) -> tuple[FormSession, PhotoField, UUID]:
    case_id, _ = create_case(services, CHILD)
    assert case_id is not None
    session = FormSession(services, case_id, "hv_concern")
    session.set("children[0].injury_seen", True)
    if not isinstance(session.get("children[0].injuries"), list) or not session.get("children[0].injuries"):
        session.add_item("children[0].injuries")
    return session, PhotoField(session, PHOTO), case_id


def _draft_answers(services: Services, session: FormSession) -> object:
    repo = services.repo
    assert repo is not None
    (draft,) = [d for d in repo.list_drafts(case_id=session.case_id, kind="hv_concern")]
    return draft.body["draft"]["answers"]["children"][0]["injuries"][0].get("photo")


def test_adding_stores_the_bytes_in_the_vault_and_saves_the_draft(unlocked: Services) -> None:
    session, field, case_id = _photo_field(unlocked)
    data = png(16, 16)
    assert field.add(PickedFile(name="arm.png", size=len(data), data=data))
    value = field.value
    assert value is not None
    assert value["sha256"] == hashlib.sha256(data).hexdigest()
    assert value == {"sha256": value["sha256"], "name": "arm.png", "media_type": "image/png", "size": len(data)}
    assert _draft_answers(unlocked, session) == value  # saved at the change, like every field
    repo = unlocked.repo
    assert repo is not None
    stored = repo.get_attachment(value["sha256"])
    assert stored is not None
    assert stored.data == data
    assert stored.record_id == case_id  # filed with the case, so the hub lets the case's workers see it
    assert field.preview() == data
    assert session.shown_issues(PHOTO) == []  # the forms engine accepts the value


def test_a_refused_or_cancelled_pick_changes_nothing(unlocked: Services) -> None:
    session, field, _ = _photo_field(unlocked)
    good = png()
    assert field.add(PickedFile(name="arm.png", size=len(good), data=good))
    before = (dict(session.answers), _draft_answers(unlocked, session), _attachment_count(unlocked))
    for picked, says in [
        (PickedFile(name="letter.png", size=9, data=b"%PDF-1.7\n"), "not a photograph"),
        (PickedFile(name="huge.png", size=MAX_PHOTO_BYTES + 1, data=png(pad=b"\0" * MAX_PHOTO_BYTES)), "too big"),
        (PickedFile(name="", size=0, error=LOST_MESSAGE), "did not reach the app"),
    ]:
        assert not field.add(picked)
        assert says in field.message
        assert (dict(session.answers), _draft_answers(unlocked, session), _attachment_count(unlocked)) == before
    assert not field.add(None)  # cancelled
    assert (dict(session.answers), _draft_answers(unlocked, session), _attachment_count(unlocked)) == before
    assert field.add(PickedFile(name="arm.png", size=len(good), data=good))
    assert field.message == ""  # a good pick clears the last refusal


def _attachment_count(services: Services) -> int:
    assert services.vault is not None
    with services.vault.read() as conn:
        return int(conn.execute("SELECT count(*) FROM attachments").fetchone()[0])


def test_replace_and_remove_delete_the_unsent_photo(unlocked: Services) -> None:
    session, field, _ = _photo_field(unlocked)
    first, second = png(rgb=(1, 2, 3)), png(rgb=(4, 5, 6))
    assert field.add(PickedFile(name="one.png", size=len(first), data=first))
    first_sha = hashlib.sha256(first).hexdigest()
    assert field.add(PickedFile(name="two.png", size=len(second), data=second))
    repo = unlocked.repo
    assert repo is not None
    assert repo.get_attachment(first_sha) is None  # replaced before it was sent: gone, never uploaded
    second_sha = hashlib.sha256(second).hexdigest()
    field.remove()
    assert field.value is None
    assert session.get(PHOTO) is None
    assert _draft_answers(unlocked, session) is None
    assert repo.get_attachment(second_sha) is None
    assert [e.action for e in repo.audit_log()].count("attach.discard") == 2


def test_a_photo_another_answer_still_names_is_kept(unlocked: Services) -> None:
    session, field, _ = _photo_field(unlocked)
    data = png()
    assert field.add(PickedFile(name="arm.png", size=len(data), data=data))
    other = FormSession(unlocked, session.case_id, "case_note")  # the same photo in a case note's draft
    other.add_item("attachments")
    PhotoField(other, "attachments[0].file").add(PickedFile(name="arm.png", size=len(data), data=data))
    field.remove()
    repo = unlocked.repo
    assert repo is not None
    assert repo.get_attachment(hashlib.sha256(data).hexdigest()) is not None


def test_desktop_reads_the_picked_path_after_checking_its_size(unlocked: Services, tmp_path: Path) -> None:
    _, field, _ = _photo_field(unlocked)
    photo = tmp_path / "arm.png"
    photo.write_bytes(png())
    assert field.add(PickedFile(name="arm.png", size=photo.stat().st_size, path=str(photo)))
    assert field.value is not None
    assert field.value["size"] == len(png())
    huge = tmp_path / "huge.png"
    with huge.open("wb") as fh:  # sparse: the size is checked before any byte is read
        fh.truncate(MAX_PHOTO_BYTES + 1)
    assert not field.add(PickedFile(name="huge.png", size=MAX_PHOTO_BYTES + 1, path=str(huge)))
    assert "too big" in field.message
    assert not field.add(PickedFile(name="gone.png", size=10, path=str(tmp_path / "gone.png")))
    assert "could not be read" in field.message
    assert not field.add(PickedFile(name="none.png", size=10))
    assert "could not be read" in field.message
    assert field.value is not None
    assert field.value["name"] == "arm.png"


def test_a_locked_app_stores_nothing(unlocked: Services) -> None:
    _, _, case_id = _photo_field(unlocked)
    unlocked.lock()
    outcome = unlocked.add_photo(case_id, PickedFile(name="arm.png", size=len(png()), data=png()))
    assert not outcome.ok
    assert "locked" in outcome.message
    assert unlocked.photo_data("0" * 64) is None
    assert unlocked.discard_photo("0" * 64) is False


@pytest.mark.parametrize("name", ["arm.heic", "arm.HEIC"])
def test_heic_is_stored_without_a_preview(unlocked: Services, name: str) -> None:
    _, field, _ = _photo_field(unlocked)
    data = ftyp(b"heic", b"mif1", b"heic")
    assert field.add(PickedFile(name=name, size=len(data), data=data))
    assert field.value is not None
    assert field.value["media_type"] == "image/heic"
    assert field.preview() is None
