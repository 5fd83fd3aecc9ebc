"""The renderer builds a control tree that unit tests can inspect without a browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp._services import Services
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.views._renderer import FormRenderer, from_answer, to_answer


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
