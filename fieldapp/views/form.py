"""A form from the forms engine, rendered by the one renderer; the draft is saved at every change."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

import flet as ft

from fieldapp.state.form import FormSession
from fieldapp.state.inbox import response_form
from fieldapp.views._kit import ERROR, Ctx, app_bar, page_body, tag, view
from fieldapp.views._renderer import FormRenderer
from forms import AnswerSection, UnknownForm, check_answers, raised_forms, section_statuses


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
    touch = ctx.act(lambda *_: None)
    problems = ft.Column(spacing=4)
    error_summary = ft.Semantics(
        identifier="error-summary",
        container=True,
        live_region=True,
        visible=False,
        content=ft.Container(
            problems, padding=16, border=ft.Border.all(3, ERROR), border_radius=4, bgcolor=ft.Colors.ERROR_CONTAINER
        ),
    )
    checking = ft.Column(spacing=14, visible=False)

    tasks: dict[str, ft.Text] = {}

    def after_change() -> None:
        saved.value = "Draft saved on this device" if session.draft_id else ""
        for line in section_statuses(session.spec, session.state):
            if line.id in tasks:
                tasks[line.id].value = line.status

    def _update(*controls: ft.Control) -> None:
        if ctx.page is not None:  # a screen built in a test has no page
            for c in controls:
                c.update()

    async def go_to(path: str) -> None:
        """A problem's link or a "Change" link: back to the form, the focus on that question."""
        touch()
        checking.visible = False
        filling.visible = True
        _update(checking, filling)
        if ctx.page is not None:
            await renderer.focus(path)

    def link_to(path: str) -> Callable[[], Coroutine[Any, Any, None]]:
        async def clicked() -> None:
            await go_to(path)

        return clicked

    def show_problems() -> ft.Control | None:
        """The error summary at the top: "There is a problem" and a link per problem (its message)."""
        found = session.blocking()
        problems.controls = [
            ft.Semantics(
                header=True, content=ft.Text("There is a problem", weight=ft.FontWeight.BOLD, size=20, color=ERROR)
            )
        ]
        for path, message in found[:30]:
            link = ft.TextButton(message, style=ft.ButtonStyle(color=ERROR))
            link.on_click = link_to(path)
            problems.controls.append(ft.Semantics(identifier=f"problem-{path}", content=link))
        if len(found) > 30:
            problems.controls.append(
                ft.Text(f"And {len(found) - 30} more, marked beside their questions.", color=ERROR)
            )
        error_summary.visible = bool(found)
        renderer.refresh()
        first = problems.controls[1] if len(problems.controls) > 1 else None
        return first.content if isinstance(first, ft.Semantics) else None

    def show_check_page() -> None:
        rows = check_answers_rows(session, link_to)
        send = ft.Button("Submit form", icon=ft.Icons.SEND, on_click=ctx.act(on_submit))
        rows.append(ft.Text("Once you submit, it is saved on this device and sent at the next sync."))
        rows.append(ft.Row([tag("form-submit", send), ft.TextButton("Back to the form", on_click=back_to_form)]))
        checking.controls = rows
        checking.visible = True
        filling.visible = False
        error_summary.visible = False

    async def back_to_form() -> None:
        touch()
        checking.visible = False
        filling.visible = True

    async def on_continue() -> None:
        """Errors: the summary at the top, with the focus on it; none: the check-your-answers page."""
        touch()
        session.submit_tried = True
        if session.blocking():
            first = show_problems()
            _update(filling)
            focus = getattr(first, "focus", None)
            if ctx.page is not None and focus is not None:
                await focus()
            return
        show_check_page()
        _update(filling, checking)
        if scroller is not None and ctx.page is not None:
            await scroller.scroll_to(offset=0, duration=0)

    def on_submit(e: ft.ControlEvent) -> None:
        extra = {"request_id": request_id} if session.spec.record_type == "response" and request_id else None
        record_id = session.submit(extra=extra)
        if record_id is None:  # something changed since the check page: back to the form, with the summary
            checking.visible = False
            filling.visible = True
            show_problems()
            return
        if session.spec.record_type == "response" and request_id:
            ctx.toast("Response saved. It will be sent at the next sync.")
            ctx.go(f"/request/{request_id}")
        elif form_id in raised_forms():
            ctx.go(f"/referral/{record_id}")
        else:
            ctx.go(f"/case/{case_id}")

    task_list = _task_list(session, link_to, tasks)
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
    continue_button = ft.Button("Continue", icon=ft.Icons.ARROW_FORWARD, on_click=on_continue)
    filling = ft.Column(
        [*header, error_summary, *task_list, form, ft.Row([tag("form-continue", continue_button), saved])],
        spacing=14,
    )
    body = page_body(filling, checking)
    scroller = body if isinstance(body, ft.Column) else None
    renderer.scroller = scroller
    return view(route, app_bar(ctx, session.spec.title), body)


def _task_list(
    session: FormSession,
    link_to: Callable[[str], Callable[[], Coroutine[Any, Any, None]]],
    statuses: dict[str, ft.Text],
) -> list[ft.Control]:
    """The form's sections as a task list (the urgency gate first), each a link to its first question with its
    status in words, kept up to date in ``statuses`` (empty for a form without sections)."""
    lines = section_statuses(session.spec, session.state)
    if len(lines) < 2:
        return []
    rows: list[ft.Control] = [
        ft.Semantics(header=True, content=ft.Text("Sections", theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
    ]
    for line in lines:
        status = ft.Text(line.status, size=13)
        statuses[line.id] = status
        link = ft.TextButton(line.title, on_click=link_to(line.first))
        rows.append(
            tag(
                f"task-{line.id}",
                ft.Row([ft.Container(link, expand=True), status], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            )
        )
    return [ft.Card(ft.Container(ft.Column(rows, spacing=0), padding=12))]


def check_answers_page(session: FormSession) -> tuple[AnswerSection, ...]:
    """The check-your-answers sections of the session's answers (the pure rows: ``forms.check_answers``)."""
    return check_answers(session.spec, session.answers)


def check_answers_rows(
    session: FormSession, link_to: Callable[[str], Callable[[], Coroutine[Any, Any, None]]]
) -> list[ft.Control]:
    """The controls of "Check your answers before sending": the heading, each section's title and its rows
    (question, answer in words, a "Change" link made by ``link_to(path)`` where the answer may be changed)."""
    rows: list[ft.Control] = [
        ft.Semantics(
            header=True,
            content=ft.Text("Check your answers before sending", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        )
    ]
    for section in check_answers_page(session):
        rows.append(
            ft.Semantics(header=True, content=ft.Text(section.title, theme_style=ft.TextThemeStyle.TITLE_LARGE))
        )
        for row in section.rows:
            cells: list[ft.Control] = [
                ft.Container(ft.Text(row.label, weight=ft.FontWeight.BOLD), expand=2),
                ft.Container(ft.Text(row.value), expand=3),
            ]
            if row.changeable:
                change = ft.TextButton("Change", tooltip=f"Change: {row.label}")
                change.on_click = link_to(row.path)
                cells.append(ft.Semantics(identifier=f"change-{row.path}", content=change))
            rows.append(ft.Row(cells, vertical_alignment=ft.CrossAxisAlignment.START))
        rows.append(ft.Divider())
    return rows
