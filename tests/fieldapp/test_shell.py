"""The shell builds each screen once: a guard's redirect is shown at once and not built again when the browser's URL
catches up (a second build would replace the field the user is already typing into)."""

from __future__ import annotations

from pathlib import Path

import flet as ft

from fieldapp._config import AppConfig
from fieldapp._services import Services
from fieldapp._shell import Shell
from tests.fieldapp.conftest import PASSPHRASE
from tests.support.synchelp import InProcessHub


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


def test_a_gp_lands_on_the_inbox_and_a_health_visitor_on_the_caseload(tmp_path: Path) -> None:
    from hub._admin import create_user, enrol_code

    hub = InProcessHub(tmp_path / "hub.sqlite3")
    create_user(hub.db, "gp1", "Dr Gina", "gp", "Riverside Surgery", "A81001", exist_ok=True)
    landed: dict[str, str] = {}
    try:
        for name, code in (("gp1", str(enrol_code(hub.db, "gp1"))), ("hv1", hub.enrol_code("hv1"))):
            svc = Services(AppConfig(data_dir=tmp_path / name, fast_kdf=True), http_factory=hub.http)
            try:
                page = FakePage("/")
                shell = Shell(page, svc)  # type: ignore[arg-type]
                assert svc.create_vault(PASSPHRASE, shell.session) == ""
                assert svc.enrol("http://127.0.0.1", code) == ""
                shell.start()  # what unlocking does: it goes to "/", and the shell picks the landing screen
                landed[name] = page.views[-1].route or ""
            finally:
                svc.close()
    finally:
        hub.close()
    assert landed == {"gp1": "/inbox", "hv1": "/caseload"}
