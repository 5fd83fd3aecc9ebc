"""A form from the forms engine, rendered by the one renderer; the draft is saved at every change."""

from __future__ import annotations

from uuid import UUID

import flet as ft

from fieldapp.state.form import FormSession
from fieldapp.state.inbox import response_form
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, tag, view
from fieldapp.views._renderer import FormRenderer
from forms import UnknownForm, raised_forms


def build_response(ctx: Ctx, record_id: str) -> ft.View:
    """The response form for one information request, the GP's or the team's as the request's addressee needs
    (its back arrow leads to the request)."""
    route = f"/request/{record_id}/respond"
    rec = None
    if ctx.services.repo is not None:
        try:
            rec = ctx.services.repo.get_record(UUID(record_id))
        except ValueError:
            rec = None
    if rec is None or rec.type != "info_request":
        return view(route, app_bar(ctx, "Response"), page_body(ft.Text("This request is not on this device.")))
    return _build(ctx, str(rec.case_id), response_form(rec.body), route, record_id, dict(rec.body))


def build(ctx: Ctx, case_id: str, form_id: str) -> ft.View:
    return _build(ctx, case_id, form_id, f"/case/{case_id}/form/{form_id}", "", None)


def _build(
    ctx: Ctx, case_id: str, form_id: str, route: str, request_id: str, request: dict[str, object] | None
) -> ft.View:
    try:
        session = FormSession(ctx.services, UUID(case_id), form_id, request=request, draft_key=request_id)
    except (UnknownForm, ValueError):
        return view(route, app_bar(ctx, "Form"), page_body(ft.Text("This form is not available on this device.")))
    if ctx.query.get("nothing_known") == "1" and session.get("nothing_known") is None:
        session.set("nothing_known", True)
    creds = ctx.services.credentials()
    signer = creds.user.display_name if creds else ""
    renderer = FormRenderer(session, ctx.act, signer)
    saved = ft.Text("", size=12)
    summary = ft.Column(spacing=4)
    summary_holder = tag("form-summary", summary)
    summary_holder.visible = False

    def after_change() -> None:
        saved.value = "Draft saved on this device" if session.draft_id else ""

    def on_submit(e: ft.ControlEvent) -> None:
        extra = {"request_id": request_id} if session.spec.record_type == "response" and request_id else None
        record_id = session.submit(extra=extra)
        if record_id is None:
            problems = session.blocking()
            summary_holder.visible = True
            summary.controls = [
                ft.Text(f"Fix {len(problems)} thing(s) before submitting:", color=ERROR, weight=ft.FontWeight.BOLD)
            ]
            for path, message in problems[:12]:
                summary.controls.append(ft.Text(f"• {session.label_of(path)}: {message}", color=ERROR))
            renderer.refresh()
            return
        if session.spec.record_type == "response" and request_id:
            ctx.toast("Response saved. It will be sent at the next sync.")
            ctx.go(f"/request/{request_id}")
        elif form_id in raised_forms():
            ctx.go(f"/referral/{record_id}")
        else:
            ctx.go(f"/case/{case_id}")

    renderer.on_after_change = after_change
    form = renderer.build()
    after_change()
    header: list[ft.Control] = [ft.Text(session.spec.title, theme_style=ft.TextThemeStyle.HEADLINE_SMALL)]
    if session.spec.description:
        header.append(ft.Text(session.spec.description))
    if session.set_aside:
        header.append(
            ft.Text(
                "Some answers from an older version of this form need re-entering: " + "; ".join(session.set_aside),
                color=ERROR,
            )
        )
    body = page_body(
        *header,
        form,
        summary_holder,
        ft.Row([ft.Button("Submit form", icon=ft.Icons.CHECK, on_click=ctx.act(on_submit)), saved]),
    )
    return view(route, app_bar(ctx, session.spec.title), body)
