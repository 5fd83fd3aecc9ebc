"""Enrol this device with the hub (address + one-time code), or continue offline and enrol later."""

from __future__ import annotations

import flet as ft

from fieldapp.state.enrol import EnrolState
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, tag, view


def build(ctx: Ctx) -> ft.View:
    state = EnrolState(ctx.services)
    who = state.who()
    url = ft.TextField(label="Hub address", value=state.hub_url, width=480, hint_text="https://hub.example.nhs.uk")
    code = ft.TextField(label="One-time code", width=480, password=False)
    err = ft.Text("", color=ERROR)

    def on_enrol(e: ft.ControlEvent) -> None:
        state.hub_url, state.code = url.value or "", code.value or ""
        err.value = "Contacting the hub…"
        if state.submit():
            ctx.toast("Enrolled. Your work will sync when the hub can be reached.")
            ctx.go("/")  # the enrolled role's own landing screen
        err.value = state.error

    code.on_submit = ctx.act(on_enrol)
    again = state.enrol_again_text()
    if again:
        intro: list[ft.Control] = [tag("enrol-again-reason", ft.Text(again, color=ERROR))]
    elif who:
        intro = [ft.Text(f"This device is enrolled for {who}.")]
    else:
        intro = [
            ft.Text(
                "Enter the hub address and the one-time code from your administrator. You can also work offline "
                "now and enrol later from Settings: nothing you record leaves this device until then.",
            )
        ]
    body = page_body(
        ft.Text("Enrol this device", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        *intro,
        tag("hub-url", url),
        tag("enrol-code", code),
        tag("enrol-error", err),
        ft.Row(
            [
                ft.Button("Enrol", icon=ft.Icons.LINK, on_click=ctx.act(on_enrol)),
                ft.TextButton("Continue offline", on_click=ctx.act(lambda e: ctx.go("/caseload"))),
            ]
        ),
    )
    return view("/enrol", app_bar(ctx, "Enrol with the hub"), body)
