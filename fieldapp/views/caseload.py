"""The caseload: instant search, filters, the sync indicator, and the list of cases."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp._events import Event
from fieldapp.state.caseload import MAX_ROWS, CaseloadState, CaseRow, status_route, status_text
from fieldapp.state.inbox import has_inbox
from fieldapp.views._kit import Ctx, app_bar, page_body, tag, view


def status_chip(ctx: Ctx) -> ft.Control:
    """The offline / syncing / synced indicator with the pending count; follows the engine's status events."""
    label, tip = status_text(ctx.services.last_status)
    icon = ft.Icon(ft.Icons.CLOUD_SYNC, size=18)
    text = ft.Text(label)
    chip = ft.Container(
        content=ft.Row([icon, text], spacing=6, tight=True),
        padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        border_radius=16,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
        tooltip=tip,
        on_click=ctx.act(lambda e: ctx.go(status_route(ctx.services.last_status))),
    )
    wrapper = ft.Semantics(identifier="sync-status", label=f"Sync status: {label}", button=True, content=chip)

    def on_event(event: Event, payload: Any) -> None:
        if event is Event.SYNC_STATUS:
            new_label, new_tip = status_text(payload)
            text.value = new_label
            chip.tooltip = new_tip
            wrapper.label = f"Sync status: {new_label}"

    ctx.on_event(on_event)
    return wrapper


def badge(text: str) -> ft.Control:
    pad = ft.Padding.symmetric(horizontal=8, vertical=2)
    return ft.Container(ft.Text(text, size=12), bgcolor=ft.Colors.SECONDARY_CONTAINER, border_radius=8, padding=pad)


def _row(ctx: Ctx, row: CaseRow) -> ft.Control:
    badges: list[ft.Control] = [badge(b) for b in row.badges]
    return ft.ListTile(
        leading=ft.Icon(ft.Icons.CHILD_CARE),
        title=ft.Text(row.title),
        subtitle=ft.Text(row.subtitle or " "),
        trailing=ft.Row(badges, tight=True, spacing=4) if badges else None,
        on_click=ctx.act(lambda e, cid=row.case_id: ctx.go(f"/case/{cid}")),
    )


def build(ctx: Ctx) -> ft.View:
    state = CaseloadState(ctx.services)
    listing = ft.Column(spacing=0)
    count = ft.Text("", size=12)

    def show() -> None:
        shown = state.rows[:MAX_ROWS]
        listing.controls = [_row(ctx, r) for r in shown] or [ft.Text(state.empty_message)]
        n = len(state.rows)
        count.value = f"{n} case{'s' if n != 1 else ''}" + (
            f" (showing {MAX_ROWS}: search to narrow)" if n > MAX_ROWS else ""
        )

    def on_search(e: ft.ControlEvent) -> None:
        state.set_query(search.value or "")
        show()

    def filt(name: str) -> Any:
        def handler(e: ft.ControlEvent) -> None:
            state.set_filter(name, bool(getattr(e.control, "value", False)))
            show()

        return ctx.act(handler)

    def on_event(event: Event, payload: Any) -> None:
        if event in (Event.SYNC_STATUS, Event.DATA_CHANGED):
            state.refresh()
            show()

    ctx.on_event(on_event)
    state.refresh()
    show()
    search = ft.TextField(
        label="Search cases and notes", prefix_icon=ft.Icons.SEARCH, on_change=ctx.act(on_search), autofocus=True
    )
    filters = ft.Row(
        [
            ft.Checkbox(label="Has drafts", on_change=filt("drafts")),
            ft.Checkbox(label="Pending sync", on_change=filt("pending")),
            ft.Checkbox(label="Conflicts", on_change=filt("conflicts")),
            count,
        ],
    )
    creds = ctx.services.credentials()
    actions: list[ft.Control] = [status_chip(ctx)]
    if creds is not None and has_inbox(creds.user.role.value):
        actions.append(ft.TextButton("Inbox", icon=ft.Icons.INBOX, on_click=ctx.act(lambda e: ctx.go("/inbox"))))
    actions.append(ft.TextButton("Settings", icon=ft.Icons.SETTINGS, on_click=ctx.act(lambda e: ctx.go("/settings"))))
    fab = ft.FloatingActionButton(
        icon=ft.Icons.ADD,
        content=ft.Text("New case"),
        tooltip="New case",
        on_click=ctx.act(lambda e: ctx.go("/case/new")),
    )
    body = page_body(tag("search", ft.Row([ft.Container(search, expand=True)])), filters, listing)
    return view("/caseload", app_bar(ctx, "Caseload", back=False, actions=actions), body, floating_action_button=fab)
