"""Start the app: one ``Services`` per process, one ``Shell`` per window or browser session."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import flet as ft

from fieldapp._config import AppConfig, parse_config
from fieldapp._services import Services
from fieldapp._shell import Shell

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def make_main(services: Services) -> ft.AppCallable:
    def main(page: ft.Page) -> None:
        Shell(page, services).start()

    return main


def run(config: AppConfig) -> None:
    services = Services(config)
    try:
        if config.web:
            ft.run(
                make_main(services),
                view=ft.AppView.WEB_BROWSER,
                host=config.host,
                port=config.port,
                assets_dir=str(ASSETS),
                no_cdn=True,
            )
        else:
            ft.run(make_main(services), assets_dir=str(ASSETS), no_cdn=True)
    finally:
        services.close()


def cli(argv: Sequence[str] | None = None) -> None:
    run(parse_config(argv))
