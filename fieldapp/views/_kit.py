"""Small building blocks every screen uses: the context a view gets, app bars, messages, tagged controls.

``tag(identifier, control)`` wraps a control in ``ft.Semantics(identifier=...)``: the identifier is what the
end-to-end tests (and assistive tech scripts) find; ``key=`` never reaches the accessible DOM.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import flet as ft

if TYPE_CHECKING:
    from fieldapp._services import Services
    from fieldapp._session import UserSession

APP_TITLE = "MASH Field"  # the only window title: it never carries personal data
ERROR = ft.Colors.ERROR
WARN = ft.Colors.AMBER_900
OK = ft.Colors.GREEN_800
MAX_WIDTH = 880


class Ctx(Protocol):
    """What a screen may use: the services, navigation, and the user-activity wrapper for handlers."""

    services: Services
    session: UserSession  # this window's or tab's own lock
    page: ft.Page
    query: dict[str, str]  # the current route's query string

    def go(self, route: str) -> None: ...

    def refresh(self) -> None: ...

    def act(self, fn: Callable[..., Any]) -> Callable[..., Any]: ...

    def toast(self, message: str) -> None: ...

    def on_event(self, fn: Callable[[Any, Any], None]) -> None: ...


def passphrase_field(label: str, *, width: int = 400, autofocus: bool = False) -> ft.TextField:
    """A passphrase box with a show/hide eye that has an accessible name ("Show passphrase" / "Hide passphrase").

    Flet's own ``can_reveal_password`` eye has no tooltip or label, so screen readers announce a bare button."""
    box = ft.TextField(label=label, password=True, width=width, autofocus=autofocus)
    eye = ft.IconButton(icon=ft.Icons.VISIBILITY, tooltip=f"Show {label.lower()}")

    def toggle(e: Any) -> None:
        box.password = not box.password
        eye.icon = ft.Icons.VISIBILITY if box.password else ft.Icons.VISIBILITY_OFF
        eye.tooltip = f"{'Show' if box.password else 'Hide'} {label.lower()}"
        box.update()

    eye.on_click = toggle
    box.suffix_icon = eye
    return box


def tag(identifier: str, control: ft.Control, label: str | None = None) -> ft.Control:
    """Give a control a test/automation identifier; ``label`` also makes it one node for screen readers."""
    return ft.Semantics(identifier=identifier, label=label, container=label is not None, content=control)


def app_bar(
    ctx: Ctx, title: str, *, lock: bool = True, back: bool = True, actions: list[ft.Control] | None = None
) -> ft.AppBar:
    items: list[ft.Control] = list(actions or [])
    if lock:
        items.append(
            ft.TextButton(
                "Lock",
                icon=ft.Icons.LOCK_OUTLINE,
                tooltip="Lock the app now",
                on_click=lambda _: ctx.services.lock(),
            )
        )
    return ft.AppBar(
        title=ft.Text(title),
        automatically_imply_leading=back,
        bgcolor=ft.Colors.PRIMARY_CONTAINER,
        actions=items,
    )


def error_text(message: str, identifier: str = "error") -> ft.Control:
    return tag(identifier, ft.Text(message, color=ERROR, visible=bool(message), selectable=True))


def page_body(*controls: ft.Control, scroll: bool = True) -> ft.Control:
    """The screen's content: full width on a tablet, a centred readable column on a laptop (responsive grid)."""
    column = ft.Column(list(controls), spacing=14)
    grid = ft.ResponsiveRow(
        [ft.Container(column, col={"xs": 12, "lg": 10, "xl": 8}, padding=ft.Padding.symmetric(horizontal=8))],
        alignment=ft.MainAxisAlignment.CENTER,
    )
    return ft.Column(
        [grid],
        scroll=ft.ScrollMode.AUTO if scroll else None,
        expand=True,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
    )


def view(route: str, bar: ft.AppBar, body: ft.Control, **kwargs: Any) -> ft.View:
    return ft.View(route=route, appbar=bar, controls=[body], padding=ft.Padding.all(8), **kwargs)
