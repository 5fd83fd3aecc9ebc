"""Settings: enrolment, passphrase, lock timeout, sign out and erase this device."""

from __future__ import annotations

import flet as ft

from fieldapp.state.settings import TIMEOUTS, SettingsState
from fieldapp.views._kit import ERROR, OK, Ctx, app_bar, page_body, passphrase_field, tag, view


def build(ctx: Ctx) -> ft.View:
    st = SettingsState(ctx.services)
    msg = ft.Text("", color=OK)
    err = ft.Text("", color=ERROR)
    old = passphrase_field("Current passphrase", width=420)
    new = passphrase_field("New passphrase", width=420)
    again = passphrase_field("New passphrase again", width=420)

    def report() -> None:
        msg.value, err.value = st.message, st.error

    def on_change_pw(e: ft.ControlEvent) -> None:
        if st.change_passphrase(old.value or "", new.value or "", again.value or ""):
            old.value = new.value = again.value = ""
        report()

    timeout = ft.Dropdown(
        label="Lock after",
        width=240,
        value=st.timeout_minutes() or "5",
        options=[ft.DropdownOption(key=k, text=f"{k} minute{'s' if k != '1' else ''}") for k, _ in TIMEOUTS],
    )

    def on_timeout(e: ft.ControlEvent) -> None:
        st.set_timeout_minutes(timeout.value or "")
        report()

    timeout.on_select = ctx.act(on_timeout)
    unsynced = st.unsynced()
    confirm = ft.TextField(label="Type ERASE to confirm", width=260)

    def on_erase(e: ft.ControlEvent) -> None:
        if not st.erase(confirm.value or ""):
            report()

    warning = (
        f"{len(unsynced)} item(s) have NOT reached the hub and will be lost: " + "; ".join(unsynced[:10])
        if unsynced
        else "Everything on this device has reached the hub."
    )
    body = page_body(
        ft.Text("Hub", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(st.enrolment()),
        ft.TextButton("Enrol or re-enrol", icon=ft.Icons.LINK, on_click=ctx.act(lambda e: ctx.go("/enrol"))),
        ft.Divider(),
        ft.Text("Passphrase", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        old,
        new,
        again,
        ft.Button("Change passphrase", on_click=ctx.act(on_change_pw)),
        tag("settings-message", msg),
        tag("settings-error", err),
        ft.Divider(),
        ft.Text("Automatic lock", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Semantics(identifier="lock-timeout", label="Lock after", container=True, content=timeout),
        ft.Divider(),
        ft.Text("Sign out and erase this device", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        tag("erase-warning", ft.Text(warning, color=ERROR if unsynced else None)),
        ft.Row(
            [confirm, ft.OutlinedButton("Erase this device", icon=ft.Icons.DELETE_FOREVER, on_click=ctx.act(on_erase))]
        ),
    )
    return view("/settings", app_bar(ctx, "Settings"), body)
