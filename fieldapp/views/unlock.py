"""The lock screen: passphrase, tries remaining, erased state. It shows no personal data, ever."""

from __future__ import annotations

import flet as ft

from fieldapp._vault_keeper import VaultStatus
from fieldapp.state.vault_screens import UnlockState
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, passphrase_field, tag, view


def build(ctx: Ctx) -> ft.View:
    state = UnlockState(ctx.services, ctx.session)
    erased = ctx.services.vault_status(ctx.session) is VaultStatus.ERASED
    err = ft.Text("", color=ERROR)
    pw = passphrase_field("Passphrase", width=400, autofocus=True)

    def on_unlock(e: ft.ControlEvent) -> None:
        ok = state.submit(pw.value or "")
        pw.value = ""
        err.value = state.error
        if ok:
            ctx.go("/")  # the shell sends each role to its own landing screen (a GP to the inbox)

    pw.on_submit = ctx.act(on_unlock)
    if erased:
        controls: list[ft.Control] = [
            ft.Icon(ft.Icons.DELETE_FOREVER, size=48, color=ERROR),
            ft.Text("This device's vault has been erased", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
            ft.Text(
                "Too many wrong passphrases were entered, or the hub withdrew this device. The encrypted data can no "
                "longer be read. Work that had reached the hub is safe there. Set up the device again and enrol to "
                "get your caseload back.",
            ),
            ft.Button("Set up again", icon=ft.Icons.RESTART_ALT, on_click=ctx.act(lambda e: _reset(ctx))),
        ]
    else:
        controls = [
            ft.Icon(ft.Icons.LOCK, size=48, color=ft.Colors.PRIMARY),
            ft.Text("Locked", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
            ft.Text("Enter your passphrase to open the vault."),
            tag("passphrase", pw),
            tag("unlock-error", err),
            ft.Button("Unlock", icon=ft.Icons.LOCK_OPEN, on_click=ctx.act(on_unlock)),
        ]
    return view("/unlock", app_bar(ctx, "MASH Field", lock=False, back=False), page_body(*controls))


def _reset(ctx: Ctx) -> None:
    ctx.services.reset_erased()
    ctx.go("/setup")
