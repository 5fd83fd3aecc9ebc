"""Start the app: one ``Services`` per process, one ``Shell`` per window or browser session.

Web mode (``--web``) and every case where the desktop window cannot open (no screen, or its client is not on this
computer: ``_desktop``) serve the app to a browser on 127.0.0.1 behind a per-launch secret (``_web``, ``_gate``).
The app never lets Flet pick the address, so it never listens on another interface.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

import flet as ft

import forms
from fieldapp._config import AppConfig, parse_config
from fieldapp._desktop import desktop_problem, has_screen
from fieldapp._services import Services
from fieldapp._shell import Shell
from fieldapp._web import serve_web

ASSETS = forms.ASSETS  # inside the forms package: the same folder from a checkout and from an installed wheel
FALLBACK = "The app opens in your web browser instead; it works the same there."


def make_main(services: Services) -> ft.AppCallable:
    def main(page: ft.Page) -> None:
        Shell(page, services).start()

    return main


def run(config: AppConfig, out: TextIO | None = None) -> None:
    out = out if out is not None else sys.stdout
    services = Services(config)
    main = make_main(services)
    try:
        if config.web:
            serve_web(main, port=config.port, assets_dir=ASSETS, open_browser=config.open_browser and has_screen())
            return
        problem = desktop_problem()
        if not problem:
            try:
                ft.run(main, assets_dir=str(ASSETS), no_cdn=True)
                return
            except OSError as exc:  # e.g. the client could not be fetched or started after all
                problem = f"The app's desktop window could not be opened ({type(exc).__name__})."
        print(f"{problem} {FALLBACK}", file=out, flush=True)
        serve_web(main, port=config.port, assets_dir=ASSETS, open_browser=has_screen(), out=out)
    finally:
        services.close()


def cli(argv: Sequence[str] | None = None) -> None:
    run(parse_config(argv))
