"""The inbox: information requests for the GP's practice or the health visitor's or school nurse's team, with RAG
and a deadline countdown."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp._events import Event
from fieldapp.state.inbox import RAG_WORDS, InboxState, RequestRow
from fieldapp.views._kit import Ctx, app_bar, page_body, tag, view

RAG_COLOURS = {"red": ft.Colors.RED_700, "amber": ft.Colors.AMBER_800, "green": ft.Colors.GREEN_700}


def rag_chip(rag: str) -> ft.Control:
    return ft.Container(
        ft.Text(RAG_WORDS.get(rag, rag or "?"), color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
        bgcolor=RAG_COLOURS.get(rag, ft.Colors.GREY_700),
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=10, vertical=4),
    )


def _tile(ctx: Ctx, row: RequestRow) -> ft.Control:
    return ft.ListTile(
        leading=rag_chip(row.rag),
        title=ft.Text(f"{row.reference} · {row.child}"),
        subtitle=ft.Text(f"{row.countdown}" + (f" · {row.answered}" if row.answered else " · Not answered")),
        on_click=ctx.act(lambda e: ctx.go(f"/request/{row.record_id}")),
    )


def build(ctx: Ctx) -> ft.View:
    st = InboxState(ctx.services)
    listing = ft.Column(spacing=0)

    def show() -> None:
        st.load()
        listing.controls = [_tile(ctx, r) for r in st.rows] or [
            ft.Text("No information requests. New requests arrive when the device syncs.")
        ]

    def on_event(event: Event, payload: Any) -> None:
        if event in (Event.SYNC_STATUS, Event.DATA_CHANGED):
            show()

    ctx.on_event(on_event)
    show()
    return view("/inbox", app_bar(ctx, "Information requests"), page_body(tag("inbox", listing)))
