"""Write a case note or an addendum; the draft is saved at every keystroke."""

from __future__ import annotations

from uuid import UUID

import flet as ft

from fieldapp.state.note import NoteState
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, tag, view


def build(ctx: Ctx, case_id: str) -> ft.View:
    addendum_to = ctx.query.get("addendum_to")
    state = NoteState(ctx.services, UUID(case_id), addendum_to=addendum_to or None)
    state.load()
    err = ft.Text("", color=ERROR)
    saved = ft.Text("Draft saved on this device" if state.text else "", size=12)
    box = ft.TextField(
        label="Addendum" if state.addendum_to else "Case note",
        multiline=True,
        min_lines=8,
        max_lines=20,
        value=state.text,
        autofocus=True,
    )

    def on_change(e: ft.ControlEvent) -> None:
        state.set_text(box.value or "")
        saved.value = "Draft saved on this device"

    def on_save(e: ft.ControlEvent) -> None:
        creds = ctx.services.credentials()
        if state.save(author=creds.user.display_name if creds else "") is not None:
            ctx.go(f"/case/{case_id}")
        err.value = state.error

    box.on_change = ctx.act(on_change)
    controls: list[ft.Control] = []
    if state.addendum_to:
        controls += [
            ft.Text("Correcting or adding to this note (the original is kept unchanged):"),
            ft.Container(
                ft.Text(state.original_text, italic=True),
                padding=8,
                bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
                border_radius=8,
            ),
        ]
    controls += [
        ft.Text("Keep facts apart from opinion. A saved note cannot be changed; corrections are addenda."),
        tag("note-text", ft.Row([ft.Container(box, expand=True)])),
        saved,
        tag("note-error", err),
        ft.Button("Save note", icon=ft.Icons.SAVE, on_click=ctx.act(on_save)),
    ]
    return view(
        f"/case/{case_id}/note", app_bar(ctx, "Addendum" if state.addendum_to else "Case note"), page_body(*controls)
    )
