"""Conflicts: for each field edited here and at the hub, show base / mine / theirs and let the user choose."""

from __future__ import annotations

import flet as ft

from fieldapp.state.conflicts import FIELD_WORDS, ConflictsState, show
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, tag, view


def build(ctx: Ctx) -> ft.View:
    st = ConflictsState(ctx.services)
    st.load()
    listing = ft.Column(spacing=12)

    def redraw() -> None:
        listing.controls = [_card(ctx, st, c.id, redraw) for c in st.conflicts] or [
            ft.Text("No conflicts. Edits made here and at the hub have been merged.")
        ]

    redraw()
    intro = ft.Text(
        "The same details were changed on this device and at the hub before they could meet. For each "
        "field, choose which value to keep. Nothing has been overwritten."
    )
    return view("/conflicts", app_bar(ctx, "Conflicts"), page_body(intro, listing))


def _card(ctx: Ctx, st: ConflictsState, conflict_id: int, redraw: object) -> ft.Control:
    c = next(x for x in st.conflicts if x.id == conflict_id)
    rows: list[ft.Control] = [ft.Text(f"Case: {st.titles.get(c.record_id, '')}", weight=ft.FontWeight.BOLD)]
    for fc in c.fields:
        label = FIELD_WORDS.get(fc.field, fc.field.replace("_", " "))
        group = ft.RadioGroup(
            content=ft.Column(
                [
                    ft.Radio(value="mine", label=f"Keep mine: {show(fc.mine)}"),
                    ft.Radio(value="theirs", label=f"Take theirs: {show(fc.theirs)}"),
                ],
                spacing=0,
            )
        )
        group.on_change = ctx.act(lambda e, f=fc.field, g=group: st.choose(conflict_id, f, g.value or ""))
        rows += [
            ft.Text(label, theme_style=ft.TextThemeStyle.TITLE_SMALL),
            ft.Text(f"Before either change: {show(fc.base)}", size=12),
            tag(f"conflict-{fc.field}", group),
        ]
    err = ft.Text(st.errors.get(conflict_id, ""), color=ERROR)

    def on_resolve(e: ft.ControlEvent) -> None:
        if st.resolve(conflict_id):
            ctx.toast("Resolved. Your choice will be sent at the next sync.")
            redraw()  # type: ignore[operator]
        else:
            err.value = st.errors.get(conflict_id, "")

    rows += [err, ft.Button("Save my choices", icon=ft.Icons.CHECK, on_click=ctx.act(on_resolve))]
    return ft.Card(ft.Container(ft.Column(rows, spacing=6), padding=16))
