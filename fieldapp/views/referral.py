"""Referral: review (summary, consent, lawful basis, routing) and submit to the outbox; then receipt and hub status."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import flet as ft

from fieldapp._events import Event
from fieldapp.state.referral import ReferralReview, ReferralStatus
from fieldapp.views._body_map import injury_pictures
from fieldapp.views._kit import ERROR, OK, Ctx, app_bar, page_body, tag, view


def build(ctx: Ctx, record_id: str) -> ft.View:
    route = f"/referral/{record_id}"
    try:
        rid = UUID(record_id)
    except ValueError:
        return view(route, app_bar(ctx, "Referral"), page_body(ft.Text("No such referral.")))
    status = ReferralStatus(ctx.services, rid)
    if status.load():
        return _status_view(ctx, route, status)
    review = ReferralReview(ctx.services, rid)
    if not review.load():
        return view(route, app_bar(ctx, "Referral"), page_body(ft.Text("No such referral on this device.")))
    return _review_view(ctx, route, review)


def _status_view(ctx: Ctx, route: str, st: ReferralStatus) -> ft.View:
    sync = ft.Text(st.sync, weight=ft.FontWeight.BOLD, color=OK if st.receipt_lines else None)
    receipt = ft.Column(spacing=2)
    next_steps = ft.Text(st.next_steps)

    def show() -> None:
        sync.value = st.sync
        receipt.controls = [ft.Text(line, selectable=True) for line in st.receipt_lines]
        if st.hash_line:
            receipt.controls.append(ft.Text(st.hash_line, size=12, selectable=True))
        next_steps.value = st.next_steps

    def on_event(event: Event, payload: Any) -> None:
        if event in (Event.SYNC_STATUS, Event.DATA_CHANGED) and st.load():
            show()

    ctx.on_event(on_event)
    show()
    back: list[ft.Control] = []
    if st.case_id is not None:
        case_route = f"/case/{st.case_id}"
        back.append(
            ft.Button("Back to the case", icon=ft.Icons.ARROW_BACK, on_click=ctx.act(lambda e: ctx.go(case_route)))
        )
    body = page_body(
        ft.Text("Referral", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        tag("referral-sync", sync),
        ft.Text("What happens next", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        tag("referral-next", next_steps),
        tag("referral-receipt", receipt),
        *back,
        ft.Text("Summary", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(st.summary, selectable=True),
        *injury_pictures(st.injuries),
    )
    return view(route, app_bar(ctx, "Referral"), body)


def _review_view(ctx: Ctx, route: str, rv: ReferralReview) -> ft.View:
    err = ft.Text("", color=ERROR)
    issues = ft.Column([ft.Text(f"• {m}", color=ERROR) for m in rv.issues], spacing=2)

    def on_consent(e: ft.ControlEvent) -> None:
        rv.consent_confirmed = bool(consent.value)

    def on_basis(e: ft.ControlEvent) -> None:
        rv.basis_confirmed = bool(basis.value)

    def on_send(e: ft.ControlEvent) -> None:
        creds = ctx.services.credentials()
        new_id = rv.submit(creds.user.display_name if creds else "")
        if new_id is not None:
            ctx.go(f"/referral/{new_id}")
        err.value = rv.error

    consent = ft.Checkbox(label="I have checked the consent recorded above", on_change=ctx.act(on_consent))
    basis = ft.Checkbox(label="I confirm the lawful basis for sharing", on_change=ctx.act(on_basis))
    controls: list[ft.Control] = [
        ft.Text("Review the referral", theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Text(f"Child: {rv.case.get('child_name', '')}  ·  Postcode: {rv.case.get('postcode', 'not recorded')}"),
        ft.Text("Consent", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(rv.consent_text),
        tag("confirm-consent", consent),
        ft.Text("Lawful basis", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(rv.basis_text),
        tag("confirm-basis", basis),
    ]
    if rv.authority_choices:
        dd = ft.Dropdown(
            label="Local authority",
            width=420,
            options=[ft.DropdownOption(key=a.key, text=a.name) for a in rv.authority_choices],
        )

        def on_la(e: ft.ControlEvent) -> None:
            rv.choose_authority(dd.value or "")
            issues.controls = [ft.Text(f"• {m}", color=ERROR) for m in rv.issues]

        dd.on_select = ctx.act(on_la)
        controls += [
            ft.Text("The postcode does not say which council this goes to: choose one."),
            ft.Semantics(identifier="local-authority", label="Local authority", container=True, content=dd),
        ]
    if rv.preview:
        controls += [
            ft.Text("What the hub will receive", theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            ft.Container(
                ft.Text(rv.preview, selectable=True),
                padding=12,
                border_radius=8,
                bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            ),
        ]
    controls += [
        *injury_pictures(rv.injuries),
        tag("referral-issues", issues),
        tag("referral-error", err),
        ft.Button("Send referral", icon=ft.Icons.SEND, on_click=ctx.act(on_send)),
        ft.Text("It goes to the outbox now and reaches the hub at the next sync; you will see the hub's receipt here."),
    ]
    return view(route, app_bar(ctx, "Referral"), page_body(*controls))
