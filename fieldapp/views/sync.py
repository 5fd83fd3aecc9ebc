"""Sync: progress (items and bytes), what is waiting, rejected items with the hub's reasons and a way to fix them."""

from __future__ import annotations

import threading
from typing import Any

import flet as ft

from fieldapp._events import Event
from fieldapp.state.sync_screen import SyncScreenState
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, tag, view


def build(ctx: Ctx) -> ft.View:
    st = SyncScreenState(ctx.services)
    st.load()
    headline = ft.Text("", theme_style=ft.TextThemeStyle.HEADLINE_SMALL)
    explanation = ft.Text("")
    bar = ft.ProgressBar(value=0, semantics_label="Sync progress")
    numbers = ft.Text("", size=13)
    last = ft.Text("", size=13)
    message = ft.Text("", color=ERROR)
    waiting = ft.Column(spacing=2)
    rejected = ft.Column(spacing=8)
    button = ft.Button("Sync now", icon=ft.Icons.SYNC)
    enrol_again = ft.Button("Enrol again", icon=ft.Icons.LINK)
    # Hide the tagged wrapper with the control inside it: a shown Semantics whose content is hidden is a framework
    # error ("Semantics.content must be provided and visible", the red box this screen showed on every visit).
    enrol_again_tag = tag("enrol-again", enrol_again)
    conflicts_link = ft.TextButton("Resolve conflicts", icon=ft.Icons.CALL_SPLIT)
    rejected_heading = ft.Text("", theme_style=ft.TextThemeStyle.TITLE_MEDIUM)

    def show() -> None:
        headline.value = st.headline
        explanation.value = st.explanation
        bar.value = st.progress if st.progress is not None else (None if headline.value.startswith("Syncing") else 0)
        numbers.value = st.progress_text
        numbers.visible = bool(st.progress_text)
        last.value = st.last_success_text
        message.value = st.message
        enrol_again_tag.visible = enrol_again.visible = st.needs_enrolment
        conflicts_link.visible = st.has_conflicts
        rejected_heading.value = st.rejections_heading
        rejected_heading.visible = bool(st.rejections_heading)
        waiting.controls = [
            ft.ListTile(
                title=ft.Text(w.what),
                subtitle=ft.Text(
                    {"pending": "Waiting to sync", "conflict": "Conflict", "rejected": "Rejected"}.get(w.state, w.state)
                ),
                leading=ft.Icon(ft.Icons.SCHEDULE if w.state == "pending" else ft.Icons.ERROR_OUTLINE),
                dense=True,
            )
            for w in st.waiting
        ] or [ft.Text("Nothing is waiting: everything on this device has reached the hub.")]
        rejected.controls = [_rejection(ctx, st, r, show) for r in st.rejections]

    def run_sync() -> None:
        st.sync_now()

        async def done() -> None:
            button.disabled = False
            show()
            ctx.page.update()

        ctx.page.run_task(done)

    def on_sync(e: ft.ControlEvent) -> None:
        button.disabled = True
        st.message = ""
        threading.Thread(target=run_sync, name="sync-now", daemon=True).start()

    def on_event(event: Event, payload: Any) -> None:
        if event is Event.SYNC_STATUS:
            st.status = payload
            if payload.state.value != "syncing":
                st.load()
            show()

    button.on_click = ctx.act(on_sync)
    enrol_again.on_click = ctx.act(lambda e: ctx.go("/enrol"))
    ctx.on_event(on_event)
    show()
    conflicts_link.on_click = ctx.act(lambda e: ctx.go("/conflicts"))
    body = page_body(
        tag("sync-headline", headline),
        explanation,
        bar,
        numbers,
        last,
        ft.Row([button, enrol_again_tag, conflicts_link]),
        tag("sync-message", message),
        ft.Text("Waiting for the hub", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        waiting,
        rejected_heading,
        rejected,
    )
    return view("/sync", app_bar(ctx, "Sync"), body)


def _rejection(ctx: Ctx, st: SyncScreenState, r: Any, redraw: Any) -> ft.Control:
    boxes: dict[str, ft.TextField] = {}
    lines: list[ft.Control] = []
    for issue in r.issues:
        lines.append(ft.Text(f"• {issue.path or 'record'}: {issue.message}", color=ERROR))
        name = issue.path.split(".")[0].split("[")[0]
        if name and name in r.fields and isinstance(r.fields[name], str | int | float | None) and name not in boxes:
            boxes[name] = ft.TextField(label=f"Correct {name.replace('_', ' ')}", value=str(r.fields[name] or ""))
    note = ft.Text("", color=ERROR)

    def on_fix(e: ft.ControlEvent) -> None:
        note.value = st.fix(r.id, {k: (b.value or None) for k, b in boxes.items()})
        redraw()

    def on_discard(e: ft.ControlEvent) -> None:
        note.value = st.discard(r.id)
        redraw()

    actions: list[ft.Control] = [ft.OutlinedButton("Discard this change", on_click=ctx.act(on_discard))]
    if boxes:
        actions.insert(0, ft.Button("Send corrected", icon=ft.Icons.SEND, on_click=ctx.act(on_fix)))
    what = "not allowed for your account" if r.outcome == "forbidden" else "refused"
    return tag(
        "rejection",
        ft.Card(
            ft.Container(
                ft.Column(
                    [
                        ft.Text(f"A change was {what} by the hub", weight=ft.FontWeight.BOLD),
                        *lines,
                        *boxes.values(),
                        ft.Row(actions),
                        note,
                    ],
                    spacing=6,
                ),
                padding=12,
            )
        ),
    )
