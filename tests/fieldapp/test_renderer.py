"""The renderer builds a control tree that unit tests can inspect without a browser."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp._services import Services
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.state.photo import PickedFile
from fieldapp.views._renderer import BUILDERS, FormRenderer, from_answer, to_answer
from forms import KINDS, Family
from tests.support.images import png

PHOTO = "children[0].injuries[0].photo"


def _same(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def test_typed_text_becomes_answers() -> None:
    assert to_answer("integer", "12") == 12
    assert to_answer("integer", "twelve") == "twelve"  # kept: the engine explains
    assert to_answer("decimal", "2.5") == 2.5
    assert to_answer("datetime", "2026-11-30 09:40") == "2026-11-30T09:40"
    assert to_answer("short_text", "  ") is None
    assert from_answer("datetime", "2026-11-30T09:40:00+00:00") == "2026-11-30 09:40"


def test_show_if_and_999_banner(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, {"child_name": "Amy", "nhs_number_not_known": True})
    assert case_id is not None
    session = FormSession(unlocked, case_id, "hv_concern")
    renderer = FormRenderer(session, _same, "Hana Visitor")
    tree = renderer.build()
    assert isinstance(tree, ft.Column)
    assert renderer.wrappers["call_999_now"].visible is False
    renderer._changed("immediate_danger", True)
    assert renderer.wrappers["call_999_now"].visible is True
    assert renderer.wrappers["police_reference"].visible is True
    # a repeat grows and its item's fields appear
    before = len([p for p in renderer.wrappers if p.startswith("adults[")])
    renderer._add("adults")
    after = [p for p in renderer.wrappers if p.startswith("adults[0].")]
    assert before == 0
    assert "adults[0].name" in after
    renderer._remove("adults", 0)
    assert not [p for p in renderer.wrappers if p.startswith("adults[")]


def test_inline_errors_and_body_map(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, {"child_name": "Amy", "nhs_number_not_known": True})
    assert case_id is not None
    session = FormSession(unlocked, case_id, "hv_concern")
    renderer = FormRenderer(session, _same)
    renderer.build()
    renderer._changed("children[0].nhs_number", "943 476 5918")
    assert renderer.issue_holders["children[0].nhs_number"].visible is True
    assert "NHS number" in (renderer.issue_texts["children[0].nhs_number"].value or "")
    renderer._changed("children[0].injury_seen", True)
    if "children[0].injuries[0].position" not in renderer.wrappers:
        renderer._add("children[0].injuries")
    renderer._changed("children[0].injuries[0].position", {"view": "front", "x": 0.5, "y": 0.3})
    assert session.shown_issues("children[0].injuries[0].position") == []


def test_every_input_family_has_a_control_and_text_boxes_follow_the_kinds_table(unlocked: Services) -> None:
    assert set(BUILDERS) == set(Family)
    case_id, _ = create_case(unlocked, {"child_name": "Amy", "nhs_number_not_known": True})
    assert case_id is not None
    session = FormSession(unlocked, case_id, "hv_concern")
    renderer = FormRenderer(session, _same)
    renderer.build()
    boxes = 0
    for path, field in session.state.fields.items():
        entry = KINDS[field.kind].entry if field.kind in KINDS else None  # repeats and groups are not kinds
        if entry is None or path not in renderer.wrappers:
            continue
        found = [c for c in _walk(renderer.wrappers[path]) if isinstance(c, ft.TextField) and c.label != REASON]
        stamps = [c for c in _walk(renderer.wrappers[path]) if isinstance(c, ft.TextButton) and c.tooltip]
        assert [b.content for b in stamps] == ([entry.stamp.label] if entry.stamp and not field.read_only else [])
        if entry.day_month_year:  # a date: three numeric boxes, UK order
            assert [b.label for b in found] == ["Day", "Month", "Year"], path
            assert all(b.keyboard_type == ft.KeyboardType.NUMBER for b in found), path
            boxes += 1
            continue
        (box,) = found
        assert box.hint_text == entry.hint, path
        assert box.multiline is entry.multiline, path
        assert (box.keyboard_type == ft.KeyboardType.NUMBER) is entry.numeric, path
        boxes += 1
    assert boxes > 5


REASON = "Reason to go on despite the warning"


class FakePhotos:
    """Stands in for the file picker: hands over the next file, or None (cancelled)."""

    def __init__(self) -> None:
        self.next: PickedFile | None = None
        self.picks = 0

    async def pick(self) -> PickedFile | None:
        self.picks += 1
        return self.next


def _walk(control: object) -> list[object]:
    found: list[object] = [control]
    for name in ("content", "controls"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.Control):
                found += _walk(c)
    return found


def _button(root: ft.Control, text: str) -> ft.Button | ft.TextButton:
    (button,) = [c for c in _walk(root) if isinstance(c, ft.Button | ft.TextButton) and c.content == text]
    return button


def _press(button: ft.Control) -> None:
    """Run a button's click handler as Flet would: with or without the event, awaited when async."""
    handler: Any = getattr(button, "on_click", None)
    assert handler is not None
    result = handler(None) if inspect.signature(handler).parameters else handler()
    if inspect.iscoroutine(result):
        asyncio.run(result)


def _texts(root: ft.Control) -> list[str]:
    return [str(c.value) for c in _walk(root) if isinstance(c, ft.Text) and c.visible and c.value]


def _injury_photo_form(unlocked: Services) -> tuple[FormSession, FakePhotos, FormRenderer]:
    """A concern form for a new case, rendered with a fake picker, showing an injury's photo field."""
    case_id, _ = create_case(unlocked, {"child_name": "Amy", "nhs_number_not_known": True})
    assert case_id is not None
    session = FormSession(unlocked, case_id, "hv_concern")
    photos = FakePhotos()
    renderer = FormRenderer(session, _same, photos=photos)
    renderer.build()
    renderer._changed("children[0].injury_seen", True)
    if PHOTO not in renderer.wrappers:
        renderer._add("children[0].injuries")
    return session, photos, renderer


def test_photo_field_adds_previews_refuses_and_removes(unlocked: Services) -> None:
    session, photos, renderer = _injury_photo_form(unlocked)
    field = renderer.wrappers[PHOTO]
    assert "not in this version" not in " ".join(_texts(field))
    add, remove = _button(field, "Add photograph"), _button(field, "Remove photograph")
    assert add.visible is True
    assert remove.visible is False

    photos.next = PickedFile(name="notes.png", size=9, data=b"%PDF-1.7\n")
    _press(add)
    message = renderer.photo_fields[PHOTO]
    assert "not a photograph" in message.message
    holder = [c for c in _walk(field) if isinstance(c, ft.Semantics) and c.identifier == f"photo-msg-{PHOTO}"]
    assert holder[0].visible is True
    assert session.get(PHOTO) is None

    data = png(12, 12)
    photos.next = PickedFile(name="arm.png", size=len(data), data=data)
    _press(add)
    assert holder[0].visible is False
    assert add.visible is False
    assert remove.visible is True
    value = session.get(PHOTO)
    assert value["sha256"] == hashlib.sha256(data).hexdigest()
    assert f"arm.png · {len(data)} bytes" in _texts(field)
    images = [c for c in _walk(field) if isinstance(c, ft.Image)]
    assert [i.src for i in images] == [data]
    assert session.draft_id is not None

    photos.next = None  # cancelled: nothing changes
    _press(add)
    assert session.get(PHOTO) == value

    _press(remove)
    assert session.get(PHOTO) is None
    assert add.visible is True
    assert not [c for c in _walk(field) if isinstance(c, ft.Image)]
    assert photos.picks == 3


def test_removing_an_item_removes_its_unsent_photo(unlocked: Services) -> None:
    _, photos, renderer = _injury_photo_form(unlocked)
    data = png(5, 5)
    photos.next = PickedFile(name="arm.png", size=len(data), data=data)
    _press(_button(renderer.wrappers[PHOTO], "Add photograph"))
    repo = unlocked.repo
    assert repo is not None
    sha = hashlib.sha256(data).hexdigest()
    assert repo.get_attachment(sha) is not None
    renderer._remove("children[0].injuries", 0)
    assert repo.get_attachment(sha) is None
    assert PHOTO not in renderer.photo_fields


def test_read_only_answers_are_text_and_the_questions_asked_cannot_be_added_to_or_removed(unlocked: Services) -> None:
    from uuid import uuid4

    request = {
        "reference": "IR-2026-000007", "rag": "red", "practice_ods": "A81001",
        "deadline": "2026-12-01T10:00:00+00:00", "child": {"name": "Alex Example"}, "adults": [],
        "questions": ["Is the family known to the practice?", "Who brings Alex?"], "requested_by": "staff1",
    }  # fmt: skip
    session = FormSession(unlocked, uuid4(), "gp_response", request=request, draft_key="r7")
    session.set("nothing_known", False)
    renderer = FormRenderer(session, _same)
    renderer.build()

    def texts(path: str) -> list[str]:
        return [str(c.value) for c in _walk(renderer.wrappers[path]) if isinstance(c, ft.Text) and c.value]

    def inputs(path: str) -> list[ft.Control]:
        controls = _walk(renderer.wrappers[path])
        return [
            c for c in controls if isinstance(c, ft.RadioGroup) or (isinstance(c, ft.TextField) and c.label != REASON)
        ]

    assert texts("request_rag")[:2] == ["Priority", "Red: within 4 hours"]  # the label of the code, as text
    assert inputs("request_rag") == []
    assert "Who brings Alex?" in texts("question_answers[1].question")
    assert inputs("question_answers[1].question") == []
    assert len(inputs("question_answers[1].answer")) == 1  # the answer is the GP's to write
    buttons = [
        c.content
        for c in _walk(renderer.wrappers["question_answers"])
        if isinstance(c, ft.TextButton | ft.OutlinedButton)
    ]
    assert not [b for b in buttons if isinstance(b, str) and b.startswith(("Add question", "Remove question"))]
    adults = [c.content for c in _walk(renderer.wrappers["adults"]) if isinstance(c, ft.OutlinedButton)]
    assert "Add adult" in adults  # an ordinary repeat keeps its Add button


def test_a_soft_warning_brings_its_reason_box_and_the_reason_is_kept(unlocked: Services) -> None:
    """The box for a reason is made only when a warning first shows (the longest form opens faster), and works."""
    case_id, _ = create_case(unlocked, {"child_name": "Amy", "nhs_number_not_known": True})
    assert case_id is not None
    session = FormSession(unlocked, case_id, "hv_concern")
    renderer = FormRenderer(session, _same)
    renderer.build()
    holder = renderer.reason_holders["referral_decision"]
    assert (holder.visible, holder.content) == (False, None)
    renderer._changed("level_of_need", "4")
    renderer._changed("referral_decision", "early_help")  # level 4 not referred: a soft warning
    assert holder.visible is True
    box = holder.content
    assert isinstance(box, ft.TextField)
    assert box.label == REASON
    box.value = "Discussed with the MASH; early help first."
    handler: Any = box.on_change
    handler(None)
    assert session.overrides["referral_decision"] == "Discussed with the MASH; early help first."
    assert not [b for b in session.blocking() if b[0] == "referral_decision"]
    assert all(h.content is None for p, h in renderer.reason_holders.items() if p not in ("referral_decision",))
