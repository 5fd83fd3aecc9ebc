"""First run: create the vault with a passphrase (typed twice) and live strength feedback."""

from __future__ import annotations

import flet as ft

from fieldapp.state.vault_screens import SetupState
from fieldapp.views._kit import ERROR, OK, WARN, Ctx, app_bar, error_text, page_body, passphrase_field, tag, view

_COLORS = (ERROR, ERROR, WARN, OK, OK)


def build(ctx: Ctx) -> ft.View:
    state = SetupState(ctx.services, ctx.session)
    meter = ft.ProgressBar(value=0, width=400, color=_COLORS[0], semantics_label="Passphrase strength")
    verdict = tag("strength", ft.Text("Strength: Very weak"))
    advice = ft.Text("", size=13)
    err = ft.Text("", color=ERROR)
    pw = passphrase_field("Passphrase", width=400, autofocus=True)
    confirm = passphrase_field("Confirm passphrase", width=400)

    def show() -> None:
        s = state.strength
        meter.value = (s.score + 1) / 5 if state.passphrase else 0
        meter.color = _COLORS[s.score]
        verdict.content = ft.Text(f"Strength: {s.label}", color=_COLORS[s.score])  # type: ignore[attr-defined]
        advice.value = " ".join(x for x in (s.warning, *s.suggestions) if x)
        confirm.error = "Does not match the passphrase" if state.mismatch else None
        err.value = state.error

    def on_pw(e: ft.ControlEvent) -> None:
        state.set_passphrase(pw.value or "")
        show()

    def on_confirm(e: ft.ControlEvent) -> None:
        state.set_confirm(confirm.value or "")
        show()

    def on_create(e: ft.ControlEvent) -> None:
        state.set_passphrase(pw.value or "")
        state.set_confirm(confirm.value or "")
        if state.submit():
            pw.value = confirm.value = ""
            ctx.go("/enrol")
        show()

    pw.on_change = ctx.act(on_pw)
    confirm.on_change = ctx.act(on_confirm)
    confirm.on_submit = ctx.act(on_create)
    body = page_body(
        ft.Text("Set up this device", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Text(
            "Everything you record is kept encrypted on this device. Choose a passphrase only you know: "
            "four or more unrelated words work well. It cannot be recovered if forgotten; after 10 wrong tries "
            "the vault is erased.",
        ),
        tag("passphrase", pw),
        meter,
        verdict,
        advice,
        tag("confirm", confirm),
        tag("setup-error", err),
        ft.Button("Create vault", icon=ft.Icons.LOCK, on_click=ctx.act(on_create)),
    )
    _ = error_text  # shared helper kept for other screens
    return view("/setup", app_bar(ctx, "MASH Field: set up", lock=False, back=False), body)
