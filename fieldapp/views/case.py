"""A case: CP-IS and hub flags (read-only), demographics (editable), and the timeline with sync state and receipts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import flet as ft

from fieldapp._events import Event
from fieldapp.state.case import CaseState, TimelineItem, concern_form
from fieldapp.views._kit import ERROR, OK, Ctx, app_bar, page_body, tag, view
from fieldapp.views.new_case import demographics_fields


def _timeline_tile(ctx: Ctx, case_id: str, item: TimelineItem) -> ft.Control:
    icon = {
        "note": ft.Icons.NOTES,
        "referral": ft.Icons.SEND,
        "form": ft.Icons.ASSIGNMENT,
        "response": ft.Icons.REPLY,
    }.get(item.kind, ft.Icons.DESCRIPTION)
    actions: list[ft.Control] = []
    if item.kind == "note":
        actions.append(
            ft.TextButton(
                "Add addendum", on_click=ctx.act(lambda e: ctx.go(f"/case/{case_id}/note?addendum_to={item.record_id}"))
            )
        )
    if item.kind == "referral":
        actions.append(
            ft.TextButton("Open referral", on_click=ctx.act(lambda e: ctx.go(f"/referral/{item.record_id}")))
        )
    spoken = f"{item.title}, {item.when}. {item.author} {item.detail} {item.sync}".strip()
    return tag(
        f"timeline-{item.kind}",
        label=spoken,
        control=ft.Card(
            content=ft.Container(
                ft.Column(
                    [
                        ft.Row(
                            [ft.Icon(icon), ft.Text(item.title, weight=ft.FontWeight.BOLD), ft.Text(item.when, size=12)]
                        ),
                        ft.Text(item.author, size=12) if item.author else ft.Container(),
                        ft.Text(item.detail, selectable=True) if item.detail else ft.Container(),
                        ft.Text(item.sync, size=12, color=OK if "hub" in item.sync else None),
                        ft.Row(actions) if actions else ft.Container(),
                    ],
                    spacing=4,
                ),
                padding=12,
            )
        ),
    )


def build(ctx: Ctx, case_id: str) -> ft.View:
    try:
        state = CaseState(ctx.services, UUID(case_id))
    except ValueError:
        return view(f"/case/{case_id}", app_bar(ctx, "Case"), page_body(ft.Text("This case is not on this device.")))
    state.load()
    if not state.found:
        return view(f"/case/{case_id}", app_bar(ctx, "Case"), page_body(ft.Text("This case is not on this device.")))
    saved = ft.Text("", color=OK)
    timeline = ft.Column(spacing=6)

    def show_timeline() -> None:
        timeline.controls = [_timeline_tile(ctx, case_id, i) for i in state.timeline] or [
            ft.Text("Nothing recorded yet.")
        ]

    def on_change(e: ft.ControlEvent) -> None:
        state.set_value(e.control.data, getattr(e.control, "value", None))
        for name, box in boxes.items():
            box.error = state.problems.get(name)
        saved.value = ""

    def on_not_known(e: ft.ControlEvent) -> None:
        state.set_value("nhs_number_not_known", bool(not_known.value))
        boxes["nhs_number"].error = state.problems.get("nhs_number")

    def on_save(e: ft.ControlEvent) -> None:
        state.save()
        for name, box in boxes.items():
            box.error = state.problems.get(name)
        saved.value = state.saved_message

    def on_event(event: Event, payload: Any) -> None:
        if event in (Event.SYNC_STATUS, Event.DATA_CHANGED):
            state.timeline = state._timeline()
            show_timeline()

    ctx.on_event(on_event)
    fields, boxes = demographics_fields(state.values, ctx.act(on_change))
    not_known = ft.Checkbox(
        label="NHS number not known",
        value=bool(state.values.get("nhs_number_not_known")),
        on_change=ctx.act(on_not_known),
    )
    fields.insert(3, not_known)
    show_timeline()
    flags: list[ft.Control] = []
    for flag in state.flags:
        flags.append(
            tag(
                "flag",
                ft.Container(
                    ft.Row(
                        [ft.Icon(ft.Icons.FLAG, color=ERROR), ft.Text(f"{flag} (from the hub, read-only)", color=ERROR)]
                    ),
                    bgcolor=ft.Colors.ERROR_CONTAINER,
                    padding=8,
                    border_radius=8,
                ),
            )
        )
    title = str(state.values.get("child_name") or "Case")
    buttons: list[ft.Control] = [
        ft.Button("Write note", icon=ft.Icons.EDIT_NOTE, on_click=ctx.act(lambda e: ctx.go(f"/case/{case_id}/note")))
    ]
    own_form = concern_form(ctx.services)  # the role's own form, from the forms' role table
    if own_form is not None:
        buttons.append(
            ft.Button(
                "Raise a concern",
                icon=ft.Icons.REPORT,
                on_click=ctx.act(lambda e: ctx.go(f"/case/{case_id}/form/{own_form}")),
            )
        )
    actions = ft.Row(buttons, wrap=True)
    subtitle = " · ".join(
        str(state.values[k]) for k in ("date_of_birth", "nhs_number", "postcode") if state.values.get(k)
    )
    body = page_body(
        ft.Text(title, theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Text(subtitle),
        *flags,
        actions,
        ft.ExpansionTile(
            title=ft.Text("Demographics"),
            expanded=False,
            controls=[
                ft.Column(
                    [
                        *fields,
                        ft.Row([ft.Button("Save details", icon=ft.Icons.SAVE, on_click=ctx.act(on_save)), saved]),
                    ],
                    spacing=10,
                )
            ],
        ),
        ft.Text("Timeline", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        timeline,
    )
    # The app bar and window title say "Case", never the child's name: they may be seen by others.
    return view(f"/case/{case_id}", app_bar(ctx, "Case"), body)
