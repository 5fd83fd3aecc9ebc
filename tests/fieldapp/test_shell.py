"""The shell builds each screen once: a guard's redirect is shown at once and not built again when the browser's URL
catches up (a second build would replace the field the user is already typing into)."""

from __future__ import annotations

import flet as ft

from fieldapp._services import Services
from fieldapp._shell import Shell


class FakePage:
    """The parts of ``ft.Page`` the shell uses; ``navigate`` only records, as the browser answers later."""

    def __init__(self, route: str) -> None:
        self.route = route
        self.views: list[ft.View] = []
        self.navigated: list[str] = []
        self.updates = 0

    def navigate(self, route: str) -> None:
        self.navigated.append(route)

    def update(self) -> None:
        self.updates += 1


def route_change(page: FakePage, shell: Shell, route: str) -> None:
    page.route = route  # the browser moves the URL, then tells the app
    shell._on_route_change(ft.RouteChangeEvent(route=route, name="route_change", control=ft.Page.__new__(ft.Page)))


def test_a_redirect_is_built_once_and_kept_when_the_url_catches_up(services: Services) -> None:
    page = FakePage("/")
    shell = Shell(page, services)  # type: ignore[arg-type]
    shell.start()
    assert page.navigated == ["/setup"]
    setup = page.views[-1]
    assert setup.route == "/setup"

    route_change(page, shell, "/setup")
    assert page.views[-1] is setup  # the same screen, with whatever was typed into it

    route_change(page, shell, "/setup")  # a later visit to the same route builds it afresh
    assert page.views[-1] is not setup
