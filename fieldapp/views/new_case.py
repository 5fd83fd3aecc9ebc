"""Add a case on this device (works offline): the child's demographics, checked as typed."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.state.case import DEMOGRAPHICS, check_demographics, create_case
from fieldapp.views._kit import Ctx, app_bar, page_body, tag, view


def demographics_fields(values: dict[str, Any], on_change: Any) -> tuple[list[ft.Control], dict[str, ft.TextField]]:
    boxes: dict[str, ft.TextField] = {}
    controls: list[ft.Control] = []
    for name, label in DEMOGRAPHICS:
        box = ft.TextField(label=label, value=str(values.get(name) or ""), on_change=on_change, data=name)
        boxes[name] = box
        controls.append(tag(f"field-{name}", box))
    return controls, boxes


def build(ctx: Ctx) -> ft.View:
    values: dict[str, Any] = {"nhs_number_not_known": False}
    touched: set[str] = set()
    not_known = ft.Checkbox(label="NHS number not known")

    def show_problems() -> None:
        problems = check_demographics(values)
        for name, box in boxes.items():
            box.error = problems.get(name) if name in touched else None

    def on_change(e: ft.ControlEvent) -> None:
        values[e.control.data] = getattr(e.control, "value", None)
        touched.add(e.control.data)
        show_problems()

    def on_not_known(e: ft.ControlEvent) -> None:
        values["nhs_number_not_known"] = bool(not_known.value)
        show_problems()

    def on_save(e: ft.ControlEvent) -> None:
        touched.update(boxes)
        case_id, _problems = create_case(ctx.services, values)
        show_problems()
        if case_id is not None:
            ctx.go(f"/case/{case_id}")

    fields, boxes = demographics_fields(values, ctx.act(on_change))
    not_known.on_change = ctx.act(on_not_known)
    fields.insert(3, not_known)
    body = page_body(*fields, ft.Button("Save case", icon=ft.Icons.SAVE, on_click=ctx.act(on_save)))
    return view("/case/new", app_bar(ctx, "New case"), body)
