"""One browser session or desktop window: routes to screens, guards, the lock, and events from the services.

The shell is the only code that changes ``page.views``. Screens ask for navigation through ``go``; events from
other threads (idle lock, sync status) are moved onto the page's own loop with ``page.run_task``. Each shell has its
own ``UserSession``: until this session has given the passphrase it is shown the lock screen, whatever any other
window or tab did, and its own idle time locks it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import flet as ft

from fieldapp import _routes
from fieldapp._events import Event
from fieldapp._services import Services
from fieldapp._session import UserSession
from fieldapp._vault_keeper import VaultStatus
from fieldapp.views import SCREENS
from fieldapp.views._kit import APP_TITLE

log = logging.getLogger(__name__)


class Shell:
    def __init__(self, page: ft.Page, services: Services) -> None:
        self.page = page
        self.services = services
        self.session: UserSession = services.open_session()
        page.title = APP_TITLE
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.INDIGO)
        page.theme_mode = ft.ThemeMode.LIGHT
        page.on_route_change = self._on_route_change
        page.on_view_pop = self._on_view_pop
        page.on_keyboard_event = lambda e: services.touch(self.session)
        self._unsubscribe = services.subscribe(self._on_event)
        # A web session outlives a dropped connection: stop listening while it is away, listen again when the
        # browser reconnects (else a lock while it was away would never reach this page).
        page.on_disconnect = lambda e: self._unsubscribe()
        page.on_connect = self._on_connect
        page.on_close = self._on_close  # the session expired: forget it (the vault locks if it was the last one in)
        self._listeners: list[Callable[[Event, Any], None]] = []
        self.query: dict[str, str] = {}
        # A route already on screen before the browser's URL moved to it (a guard's redirect is shown at once).
        self._ahead: str | None = None

    # -- Ctx ------------------------------------------------------------------------------------------------------
    def go(self, route: str) -> None:
        self.page.navigate(route)

    def refresh(self) -> None:
        self.render(self.page.route or "/")

    def act(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def handler(*args: Any) -> Any:
            self.services.touch(self.session)
            return fn(*args)

        return handler

    def toast(self, message: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(message)))

    def on_event(self, fn: Callable[[Event, Any], None]) -> None:
        """A screen subscribes to service events for as long as it is on top (cleared on every render)."""
        self._listeners.append(fn)

    # -- routing --------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.render(self.page.route or "/")

    def _guard(self, path: str) -> str:
        status = self.services.vault_status(self.session)
        found = _routes.match(path)
        if status is VaultStatus.MISSING:
            return "/setup"
        if status is VaultStatus.ERASED:
            # The unlock screen explains the erase; from there the user may set the device up again.
            return path if path in ("/unlock", "/setup") else "/unlock"
        if status is VaultStatus.LOCKED:
            return "/unlock"
        if found is None or not found[0].needs_unlock:
            return self._landing()
        return path

    def _landing(self) -> str:
        creds = self.services.credentials()
        return _routes.landing(creds.user.role if creds is not None else None)

    def render(self, path: str) -> None:
        bare = path.split("?", 1)[0]
        guarded = self._guard(bare)
        target = path if guarded == bare else guarded
        if target != (self.page.route or "/"):
            # Render the target at once (a lock must hide the data now), then move the URL to match.
            self._ahead = target
            self.go(target)
        self.query = dict(parse_qsl(target.split("?", 1)[1])) if "?" in target else {}
        path = target.split("?", 1)[0]
        self._listeners = []
        views: list[ft.View] = []
        for sub_path, route, params in _routes.stack(path, self._landing()):
            builder = SCREENS[route.name]
            try:
                built = builder(self, **params)
            except Exception:  # a broken screen must not leave a blank page
                log.exception("screen %s failed", route.name)
                built = ft.View(route=sub_path, controls=[ft.Text("This screen could not be shown.")])
            built.route = sub_path
            views.append(built)
        self.page.title = APP_TITLE
        self.page.views.clear()
        self.page.views.extend(views)
        self.page.update()

    def _on_route_change(self, e: ft.RouteChangeEvent) -> None:
        self.services.touch(self.session)
        ahead, self._ahead = self._ahead, None
        if e.route == ahead:
            # The URL caught up with a screen already shown: building it again would replace the fields the user
            # may already be typing into (the setup screen's passphrase box has the focus from the start).
            return
        self.render(e.route)

    async def _on_view_pop(self, e: ft.ViewPopEvent) -> None:
        if len(self.page.views) > 1:
            self.page.views.pop()
            await self.page.push_route(self.page.views[-1].route or self._landing())

    def _on_connect(self, e: Any) -> None:
        self._unsubscribe()  # never twice
        self._unsubscribe = self.services.subscribe(self._on_event)
        bare = (self.page.route or "/").split("?", 1)[0]
        if self._guard(bare) != bare:  # e.g. it locked meanwhile: show that now (and nothing else is rebuilt)
            self.refresh()

    def _on_close(self, e: Any) -> None:
        self._unsubscribe()
        self.services.close_session(self.session)

    # -- events from other threads --------------------------------------------------------------------------------
    def _on_event(self, event: Event, payload: Any) -> None:
        if event is Event.LOCKED and isinstance(payload, UserSession) and payload is not self.session:
            return  # another session's own idle lock

        async def apply() -> None:
            if event in (Event.LOCKED, Event.ERASED):
                self.render("/unlock")
                return
            for fn in list(self._listeners):
                fn(event, payload)
            self.page.update()

        try:
            self.page.run_task(apply)
        except Exception:  # the session is gone
            self._unsubscribe()
