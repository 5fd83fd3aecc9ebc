"""One information request: what the hub asks, of whom, by when; answer with the response form that fits the
addressee (the GP's or the team's) or "nothing known"."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import flet as ft

from fieldapp._events import Event
from fieldapp.state.inbox import RequestState
from fieldapp.views._kit import Ctx, app_bar, page_body, tag, view
from fieldapp.views.inbox import rag_chip


def build(ctx: Ctx, record_id: str) -> ft.View:
    route = f"/request/{record_id}"
    try:
        st = RequestState(ctx.services, UUID(record_id))
        found = st.load()
    except ValueError:
        found = False
    if not found or st.row is None:
        return view(route, app_bar(ctx, "Request"), page_body(ft.Text("This request is not on this device.")))
    row = st.row
    form_route = f"/request/{record_id}/respond"
    controls: list[ft.Control] = [
        ft.Row([rag_chip(row.rag), ft.Text(row.reference, theme_style=ft.TextThemeStyle.HEADLINE_SMALL)]),
        tag("countdown", ft.Text(row.countdown, weight=ft.FontWeight.BOLD)),
        ft.Text(f"Answer by {row.deadline.replace('T', ' ')[:16]}"),
        tag("addressed-to", ft.Text(f"Asked of: {st.addressed_to}")),
        ft.Text("Child", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(row.child),
    ]
    if st.adults:
        controls += [
            ft.Text("Adults covered", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            *[ft.Text(f"• {a}") for a in st.adults],
        ]
    controls += [
        ft.Text("Questions", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        *[ft.Text(f"{i + 1}. {q}") for i, q in enumerate(st.questions)],
        ft.Text("Share only what was asked (Caldicott: minimum necessary).", italic=True, size=13),
    ]
    if row.answered:
        answered = ft.Text(row.answered, weight=ft.FontWeight.BOLD)

        def on_event(event: Event, payload: Any) -> None:
            if event in (Event.SYNC_STATUS, Event.DATA_CHANGED) and st.load() and st.row is not None:
                answered.value = st.row.answered

        ctx.on_event(on_event)
        controls.append(tag("response-state", answered))
    else:
        controls.append(
            ft.Row(
                [
                    ft.Button("Respond", icon=ft.Icons.REPLY, on_click=ctx.act(lambda e: ctx.go(form_route))),
                    ft.OutlinedButton(
                        "Nothing known",
                        icon=ft.Icons.DO_NOT_DISTURB,
                        on_click=ctx.act(lambda e: ctx.go(form_route + "?nothing_known=1")),
                    ),
                ]
            )
        )
    return view(route, app_bar(ctx, "Information request"), page_body(*controls))
