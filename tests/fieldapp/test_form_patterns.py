"""The NHS form patterns in the one renderer and the form screen, built without a browser: Day / Month / Year,
"Not known", the error summary at the top and "Check your answers before sending" with its Change links."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any
from uuid import UUID

import flet as ft
import pytest

from fieldapp._services import Services
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.views import form as form_view
from fieldapp.views._renderer import FormRenderer
from forms import NOT_KNOWN, FormSpec, example_answers
from tests.fieldapp.test_views import StubCtx, find, texts


def _same(fn: Any) -> Any:
    return fn


def _walk(control: object) -> list[object]:
    found: list[object] = [control]
    for name in ("content", "controls"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.Control):
                found += _walk(c)
    return found


def _boxes(renderer: FormRenderer, path: str) -> dict[str, ft.TextField]:
    return {str(c.label): c for c in _walk(renderer.wrappers[path]) if isinstance(c, ft.TextField)}


def _type(box: ft.TextField, text: str) -> None:
    box.value = text
    handler: Any = box.on_change
    handler(None)


def _shown(control: Any) -> list[str]:
    """Every text a control tree shows, a button's text too."""
    out = list(texts(control))
    out += [str(c.content) for c in _walk(control) if isinstance(c, ft.Button | ft.TextButton)]
    return out


def _press(button: Any) -> None:
    handler: Any = button.on_click
    result = handler(None) if inspect.signature(handler).parameters else handler()
    if inspect.iscoroutine(result):
        asyncio.run(result)


def _case(services: Services) -> UUID:
    case_id, _ = create_case(services, {"child_name": "Amy", "nhs_number_not_known": True})
    assert case_id is not None
    return case_id


def test_a_date_is_three_boxes_day_month_year_that_make_the_iso_answer(unlocked: Services) -> None:
    case_id = _case(unlocked)
    session = FormSession(unlocked, case_id, "hv_concern")
    session.set("visit_date", "2025-06-01")  # a draft's ISO date fills the boxes
    renderer = FormRenderer(session, _same)
    renderer.build()
    boxes = _boxes(renderer, "visit_date")
    assert [k for k in boxes if k in ("Day", "Month", "Year")] == ["Day", "Month", "Year"]
    assert (boxes["Day"].value, boxes["Month"].value, boxes["Year"].value) == ("1", "6", "2025")
    _type(boxes["Day"], "14")
    _type(boxes["Month"], "3")
    assert session.get("visit_date") == "2025-03-14"
    _type(boxes["Month"], "")
    assert renderer.issue_holders["visit_date"].visible
    assert renderer.issue_texts["visit_date"].value == "Date of the contact must include a month"
    _type(boxes["Month"], "2")
    _type(boxes["Day"], "30")
    assert renderer.issue_texts["visit_date"].value == "Date of the contact must be a real date"
    _type(boxes["Day"], "")
    _type(boxes["Month"], "")
    _type(boxes["Year"], "")
    assert session.get("visit_date") is None
    assert renderer.issue_texts["visit_date"].value == "Enter the date of the contact"
    assert renderer.focusables["visit_date"] is boxes["Day"]


def test_an_estimated_date_stays_estimated_when_its_boxes_change(unlocked: Services) -> None:
    case_id = _case(unlocked)
    session = FormSession(unlocked, case_id, "hv_concern")
    session.set("children[0].date_of_birth", {"value": "2025-06-01", "estimated": True})
    renderer = FormRenderer(session, _same)
    renderer.build()
    boxes = _boxes(renderer, "children[0].date_of_birth")
    _type(boxes["Year"], "2024")
    assert session.get("children[0].date_of_birth") == {"value": "2024-06-01", "estimated": True}


NOT_KNOWN_SPEC = FormSpec.model_validate(
    {
        "id": "hv_concern",  # a spec built here, standing in for a bundled one
        "version": 99,
        "title": "Test form",
        "items": [
            {
                "kind": "group",
                "id": "about",
                "label": "About the child",
                "items": [
                    {"kind": "nhs_number", "id": "nhs", "label": "NHS number", "required": True,
                     "allow_not_known": True},
                    {"kind": "short_text", "id": "name", "label": "Child's full name", "required": True},
                ],
            }
        ],
    }
)  # fmt: skip


def test_not_known_is_a_box_beside_the_input_that_answers_the_question(
    unlocked: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fieldapp.state.form.load_spec", lambda form_id: NOT_KNOWN_SPEC)
    session = FormSession(unlocked, _case(unlocked), "hv_concern")
    renderer = FormRenderer(session, _same)
    renderer.build()
    assert "name" not in renderer.not_known_boxes  # only where the spec allows it
    box = renderer.not_known_boxes["nhs"]
    assert box.label == "Not known"
    session.submit_tried = True
    renderer.refresh()
    assert renderer.issue_texts["nhs"].value == "Enter the NHS number"
    box.value = True
    ticked: Any = box.on_change
    ticked(None)
    assert session.get("nhs") == NOT_KNOWN
    assert not renderer.issue_holders["nhs"].visible
    _type(_boxes(renderer, "nhs")["NHS number *"], "943 476 5919")  # typing a number unticks it
    assert session.get("nhs") == "943 476 5919"
    assert box.value is False


def _screen(services: Services, case_id: UUID) -> tuple[StubCtx, ft.View]:
    ctx = StubCtx(services)
    return ctx, form_view.build(ctx, str(case_id), "hv_concern")


def test_problems_show_in_a_summary_at_the_top_each_a_link_to_its_question(unlocked: Services) -> None:
    case_id = _case(unlocked)
    _, screen = _screen(unlocked, case_id)
    summary = find(screen, "error-summary")
    assert summary is not None
    holder = [c for c in _walk(screen.controls[0]) if isinstance(c, ft.Semantics) and c.identifier == "error-summary"]
    assert holder[0].visible is False
    _press(find(screen, "form-continue"))
    assert holder[0].visible is True
    shown = _shown(summary)
    assert shown[0] == "There is a problem"
    assert "Enter the date of the contact" in shown
    assert "Select yes or no: Is a child in immediate danger?" in shown
    assert "Answer this question." not in shown
    link = find(screen, "problem-visit_date")
    assert isinstance(link, ft.TextButton)
    assert link.content == "Enter the date of the contact"
    _press(link)  # no page in a test: it only has to run
    # the same message beside the field
    beside = find(screen, "issue-visit_date")
    assert isinstance(beside, ft.Text)
    assert beside.value == "Enter the date of the contact"
    assert "Check your answers before sending" not in _shown(screen)


def test_with_no_problems_continue_shows_check_your_answers_and_submit_sends(unlocked: Services) -> None:
    case_id = _case(unlocked)
    session = FormSession(unlocked, case_id, "hv_concern")
    session.answers = example_answers("hv_concern")
    session.set("visit_date", session.answers["visit_date"])  # saves the draft the screen resumes
    assert session.blocking() == []
    ctx, screen = _screen(unlocked, case_id)
    _press(find(screen, "form-continue"))
    shown = _shown(screen)
    assert "Check your answers before sending" in shown
    assert "There is a problem" not in shown
    assert "30 November 2026" in shown  # dates in words
    assert "999 000 0018" in shown  # NHS numbers spaced
    assert "Home visit" in shown  # choices by label
    change = find(screen, "change-visit_date")
    assert isinstance(change, ft.TextButton)
    assert change.content == "Change"
    [submit] = [c for c in _walk(screen.controls[0]) if isinstance(c, ft.Button) and c.content == "Submit form"]
    _press(submit)
    assert len(ctx.routes) == 1
    assert ctx.routes[0].startswith("/referral/")


def test_the_sections_task_list_leads_to_each_section_and_follows_the_answers(unlocked: Services) -> None:
    case_id = _case(unlocked)
    _, screen = _screen(unlocked, case_id)
    urgency = find(screen, "task-urgency")
    assert urgency is not None
    assert _shown(urgency) == ["Not started", "Urgency"]
    visit = find(screen, "task-visit")
    assert _shown(visit) == ["Not started", "The visit"]
    [radio_group] = [
        c for c in _walk(screen.controls[0]) if isinstance(c, ft.RadioGroup) and c.value is None and c.on_change
    ][:1]
    radio_group.value = "no"  # the first question of the form: is a child in immediate danger?
    handler: Any = radio_group.on_change
    handler(None)
    assert _shown(urgency) == ["In progress", "Urgency"]  # it also asks where the child is now, and more
    [link] = [c for c in _walk(visit) if isinstance(c, ft.TextButton)]
    _press(link)  # leads to the section's first question (no page in a test: it only has to run)
