"""The body map field: a tap names its region, a tap off the body adds nothing, the keyboard path places a mark
inside the chosen part, the figure follows the child's age, and every control has an accessible name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp._services import Services
from fieldapp.state.body_map import BodyMapField, date_of_birth_path
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.views._body_map import body_map_control, injury_pictures
from forms import injuries, load_spec, region_at

TODAY = dt.date(2026, 12, 1)
POSITION = "children[0].injuries[0].position"


def _field(answer: Any = None, dob: object = "2026-03-01") -> tuple[BodyMapField, dict[str, Any]]:
    box: dict[str, Any] = {"value": answer}
    state = BodyMapField.for_answer(lambda: box["value"], lambda v: box.update(value=v), dob, TODAY)
    return state, box


def test_the_figure_follows_the_childs_age_and_can_be_switched() -> None:
    assert _field(dob="2026-03-01")[0].figure == "infant"
    assert _field(dob={"value": "2026-03-01", "estimated": True})[0].figure == "infant"
    assert _field(dob="2019-05-01")[0].figure == "child"
    assert _field(dob=None)[0].figure == "child"
    state, _ = _field()
    state.region = "chest"
    state.show(view="back")
    assert (state.figure, state.view, state.region) == ("infant", "back", None)  # no chest on the back
    state.show(figure="child")
    assert state.figure_words() == "Child, back"


def test_a_tap_adds_a_mark_named_by_its_region_and_a_tap_off_the_body_adds_none() -> None:
    state, box = _field()
    assert state.tap(0.5, 0.55) is True
    assert box["value"] == {"marks": [{"figure": "infant", "view": "front", "x": 0.5, "y": 0.55, "region": "abdomen"}]}
    assert state.message == "Mark 1 added: Abdomen (tummy)."
    assert state.tap(0.02, 0.02) is False
    assert "off the body" in state.message
    assert len(box["value"]["marks"]) == 1


def test_the_keyboard_path_puts_the_mark_inside_the_chosen_part_never_the_centre() -> None:
    state, box = _field(dob="2018-01-01")
    assert state.place() is False
    assert state.message == "Choose the body part first."
    state.show(view="back")
    state.region, state.position = "thigh_left", "lower"
    assert state.place() is True
    [mark] = box["value"]["marks"]
    assert (mark["figure"], mark["view"], mark["region"]) == ("child", "back", "thigh_left")
    assert (mark["x"], mark["y"]) != (0.5, 0.5)
    found = region_at("child", "back", mark["x"], mark["y"])
    assert found is not None
    assert found.code == "thigh_left"
    assert state.message == "Mark 1 added: Left thigh, lower part."
    assert state.shown_marks() == [(1, mark["x"], mark["y"])]
    state.show(view="front")
    assert state.shown_marks() == []  # a back mark is not drawn on the front


def test_size_shape_and_removal_edit_the_answer() -> None:
    state, box = _field()
    state.tap(0.5, 0.55)
    state.tap(0.5, 0.4)
    state.set_size(0, "2.5 cm")
    state.set_shape(0, "oval")
    assert state.describe(0) == "Mark 1: Abdomen (tummy) (front), 2.5 cm, oval"
    state.set_size(1, "two")
    assert box["value"]["marks"][1]["size_cm"] == "two"  # kept as typed: the engine says what is wrong
    state.set_size(0, "")
    state.set_shape(0, "star")
    assert set(box["value"]["marks"][0]) == {"figure", "view", "x", "y", "region"}
    state.remove(0)
    state.remove(5)
    assert [m["region"] for m in box["value"]["marks"]] == ["chest"]
    state.remove(0)
    assert box["value"] is None


def test_an_answer_of_the_first_body_map_is_shown_in_words_then_replaced() -> None:
    state, box = _field({"view": "back", "x": 0.4, "y": 0.5, "region": "arm_left"})
    assert state.legacy == "Marked on the earlier body map: Left arm (back)"
    assert state.marks == []
    state.tap(0.5, 0.55)
    assert state.legacy == ""
    assert list(box["value"]) == ["marks"]


def test_the_child_is_found_from_the_fields_path() -> None:
    assert date_of_birth_path("children[1].injuries[0].position") == "children[1].date_of_birth"
    assert date_of_birth_path("position") is None


def _walk(control: object) -> list[object]:
    found: list[object] = [control]
    for name in ("content", "controls"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.Control):
                found += _walk(c)
    return found


def _same(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def test_the_control_names_every_input_and_stores_engine_checked_marks(unlocked: Services) -> None:
    case_id, _ = create_case(
        unlocked, {"child_name": "Amy", "nhs_number_not_known": True, "date_of_birth": "2026-05-01"}
    )
    assert case_id is not None
    session = FormSession(unlocked, case_id, "hv_concern")
    session.set("children[0].injury_seen", True)
    session.add_item("children[0].injuries")
    changed: list[Any] = []

    def store(path: str, value: Any) -> None:
        changed.append(value)
        session.set(path, value)

    root = body_map_control(session, _same, store, "Where on the body *", POSITION)
    controls = _walk(root)
    radios = [c for c in controls if isinstance(c, ft.Radio)]
    assert radios
    assert all(r.label for r in radios)
    named = {c.label for c in controls if isinstance(c, ft.Semantics) and c.label}
    assert {"Figure", "Side of the body", "Body part", "Where on the body part"} <= named
    groups = [c for c in controls if isinstance(c, ft.RadioGroup)]
    assert len(groups) == 4
    figure, _view, region, _position = groups
    assert figure.value == "infant"  # the case's child is a baby
    region.value = "upper_arm_left"
    region.on_change(None)  # type: ignore[misc]
    [button] = [c for c in controls if isinstance(c, ft.Button)]
    assert button.content == "Add mark on this body part"
    button.on_click(None)  # type: ignore[misc]
    assert changed[-1]["marks"][0]["region"] == "upper_arm_left"
    assert session.shown_issues(POSITION) == []
    texts = [c for c in _walk(root) if isinstance(c, ft.TextField)]
    assert [t.label for t in texts] == ["Size of mark 1 (cm)"]
    texts[0].value = "150"
    texts[0].on_change(None)  # type: ignore[misc]
    session.submit_tried = True
    assert [i.message for i in session.shown_issues(POSITION)] == [
        "Mark 1: enter the size in cm, more than 0 and up to 100."
    ]


def test_the_review_pictures_draw_each_childs_marked_sides_and_the_words() -> None:
    spec = load_spec("hv_concern")
    answers = {
        "children": [
            {
                "injuries": [
                    {"injury_type": "bruise", "position": {"marks": [
                        {"figure": "infant", "view": "front", "x": 0.5, "y": 0.55, "region": "abdomen"},
                        {"figure": "infant", "view": "back", "x": 0.35, "y": 0.68, "region": "buttocks"}]}},
                    {"injury_type": "burn_scald", "position": {"view": "front", "region": "hand_left"}},
                ]
            }
        ]
    }  # fmt: skip
    controls = injury_pictures(injuries(spec, answers))
    pictures = [c for c in _walk(ft.Column(controls)) if isinstance(c, ft.Semantics) and c.image]
    assert [p.label for p in pictures] == [
        "Body map, Child 1: baby or toddler, front, 1 mark",
        "Body map, Child 1: baby or toddler, back, 1 mark",
        "Body map, Child 1: body, front, 1 mark",
    ]
    words = [c.value for c in _walk(ft.Column(controls)) if isinstance(c, ft.Text)]
    assert "Child 1, Injury 2: Burn or scald. Marks: 3. Left hand (front)" in words
    assert injury_pictures([]) == []
