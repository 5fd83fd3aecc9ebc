"""Screens built without a browser: the lock screen carries no personal data; erased vaults can be set up again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import flet as ft

from fieldapp._services import Services, VaultStatus
from fieldapp._session import UserSession
from fieldapp.state.case import create_case
from fieldapp.views import SCREENS
from fieldapp.views._kit import APP_TITLE
from sync import ENROL_AGAIN_MESSAGE, SyncState, SyncStatus


class StubCtx:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.session = UserSession()
        self.page: Any = None
        self.query: dict[str, str] = {}
        self.routes: list[str] = []

    def go(self, route: str) -> None:
        self.routes.append(route)

    def refresh(self) -> None:
        pass

    def act(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    def toast(self, message: str) -> None:
        pass

    def on_event(self, fn: Callable[[Any, Any], None]) -> None:
        pass


def texts(control: Any) -> Iterator[str]:
    """Every string a control tree shows (values, labels, titles), depth first."""
    for attr in ("value", "label", "text", "tooltip", "hint_text"):
        v = getattr(control, attr, None)
        if isinstance(v, str):
            yield v
    for attr in ("content", "title", "appbar", "leading", "subtitle", "trailing"):
        child = getattr(control, attr, None)
        if isinstance(child, ft.BaseControl):
            yield from texts(child)
    for attr in ("controls", "actions"):
        for child in getattr(control, attr, None) or []:
            yield from texts(child)


def test_lock_screen_shows_no_case_data(unlocked: Services) -> None:
    create_case(unlocked, {"child_name": "Wilhelmina Canarybird", "nhs_number": "943 476 5919"})
    ctx = StubCtx(unlocked)
    caseload = SCREENS["caseload"](ctx)
    assert any("Canarybird" in t for t in texts(caseload))  # the walker does see case data where it is shown
    unlocked.lock()
    shown = " ".join(texts(SCREENS["unlock"](ctx)))
    assert "Locked" in shown
    assert "Canarybird" not in shown
    assert "9434765919" not in shown
    assert APP_TITLE == "MASH Field"


def test_erased_vault_offers_a_fresh_start(unlocked: Services) -> None:
    unlocked.erase()
    assert unlocked.vault_status() is VaultStatus.ERASED
    ctx = StubCtx(unlocked)
    view = SCREENS["unlock"](ctx)
    shown = " ".join(texts(view))
    assert "erased" in shown
    buttons = [c for c in view.controls[0].controls[0].controls[0].content.controls if isinstance(c, ft.Button)]
    assert buttons
    assert buttons[0].on_click is not None
    buttons[0].on_click(None)
    assert ctx.routes == ["/setup"]
    assert unlocked.vault_status() is VaultStatus.ERASED  # the shell lets an erased device reach /setup
    assert unlocked.create_vault("cobalt heron sings beneath bridges") == ""
    assert unlocked.vault_status() is VaultStatus.UNLOCKED


def find(control: Any, identifier: str) -> Any:
    """The control tagged ``identifier`` (a Semantics wrapper's content), or None."""
    if isinstance(control, ft.Semantics) and control.identifier == identifier:
        return control.content
    children: list[Any] = []
    for attr in ("content", "title", "appbar", "leading", "subtitle", "trailing"):
        child = getattr(control, attr, None)
        if isinstance(child, ft.BaseControl):
            children.append(child)
    for attr in ("controls", "actions"):
        children.extend(getattr(control, attr, None) or [])
    for child in children:
        found = find(child, identifier)
        if found is not None:
            return found
    return None


def test_enrol_again_is_offered_where_sync_is_shown(unlocked: Services) -> None:
    ctx = StubCtx(unlocked)
    button = find(SCREENS["sync"](ctx), "enrol-again")
    assert button is not None
    assert not button.visible  # offline, not enrol-again: no button
    unlocked.last_status = SyncStatus(state=SyncState.ENROL_AGAIN, pending=1, last_error=ENROL_AGAIN_MESSAGE)
    sync_view = SCREENS["sync"](ctx)
    button = find(sync_view, "enrol-again")
    assert button.visible
    assert ENROL_AGAIN_MESSAGE in " ".join(texts(sync_view))
    button.on_click(None)
    chip = find(SCREENS["caseload"](ctx), "sync-status")
    assert "Enrol again · 1 waiting" in " ".join(texts(chip))
    chip.on_click(None)
    assert ctx.routes == ["/enrol", "/enrol"]


def _passphrase_boxes(control: Any) -> Iterator[ft.TextField]:
    if isinstance(control, ft.TextField) and control.password:
        yield control
    for attr in ("content", "title", "appbar", "leading", "subtitle", "trailing"):
        child = getattr(control, attr, None)
        if isinstance(child, ft.BaseControl):
            yield from _passphrase_boxes(child)
    for attr in ("controls", "actions"):
        for child in getattr(control, attr, None) or []:
            yield from _passphrase_boxes(child)


def test_every_show_passphrase_eye_has_a_name(services: Services) -> None:
    ctx = StubCtx(services)
    boxes = list(_passphrase_boxes(SCREENS["setup"](ctx)))
    assert services.create_vault("correct horse battery staple 42") == ""
    boxes += list(_passphrase_boxes(SCREENS["unlock"](ctx))) + list(_passphrase_boxes(SCREENS["settings"](ctx)))
    assert len(boxes) == 6  # setup 2, unlock 1, settings 3
    for box in boxes:
        assert not box.can_reveal_password  # Flet's own eye has no accessible name
        eye = box.suffix_icon
        assert isinstance(eye, ft.IconButton)
        assert eye.tooltip == f"Show {str(box.label).lower()}"


def test_an_idle_sync_screen_shows_no_empty_parts(unlocked: Services) -> None:
    ctx = StubCtx(unlocked)
    shown: list[str] = []

    def visible_texts(control: Any) -> None:
        if getattr(control, "visible", True) is False:
            return
        for attr in ("value", "text"):
            v = getattr(control, attr, None)
            if isinstance(v, str) and v:
                shown.append(v)
        if isinstance(getattr(control, "content", None), str):
            shown.append(control.content)
        for attr in ("content", "title", "appbar", "leading", "subtitle", "trailing"):
            child = getattr(control, attr, None)
            if isinstance(child, ft.BaseControl):
                visible_texts(child)
        for attr in ("controls", "actions"):
            for child in getattr(control, attr, None) or []:
                visible_texts(child)

    visible_texts(SCREENS["sync"](ctx))
    said = " ".join(shown)
    assert "0 of 0" not in said
    assert "Refused by the hub" not in said
    assert "Resolve conflicts" not in said
    assert "Sync now" in said
    unlocked.last_status = SyncStatus(state=SyncState.IDLE, conflicts=1)
    shown.clear()
    visible_texts(SCREENS["sync"](ctx))
    assert "Resolve conflicts" in " ".join(shown)


def test_no_shown_semantics_wraps_a_hidden_control(unlocked: Services) -> None:
    """Flet draws a red error box for a shown Semantics whose content is hidden (the sync screen did, every visit)."""
    ctx = StubCtx(unlocked)

    def check(control: Any) -> None:
        if getattr(control, "visible", True) is False:
            return
        if isinstance(control, ft.Semantics) and isinstance(control.content, ft.BaseControl):
            assert control.content.visible is not False, control.identifier
        for attr in ("content", "title", "appbar", "leading", "subtitle", "trailing"):
            child = getattr(control, attr, None)
            if isinstance(child, ft.BaseControl):
                check(child)
        for attr in ("controls", "actions"):
            for child in getattr(control, attr, None) or []:
                check(child)

    for name in ("sync", "caseload", "settings", "enrol"):
        check(SCREENS[name](ctx))
