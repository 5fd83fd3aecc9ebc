"""One module per screen; ``SCREENS`` maps a route name to its builder ``build(ctx, **params) -> ft.View``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.views import (
    case,
    caseload,
    conflicts,
    enrol,
    form,
    new_case,
    note,
    referral,
    settings,
    setup,
    sync,
    unlock,
)

SCREENS: dict[str, Callable[..., ft.View]] = {
    "setup": setup.build,
    "unlock": unlock.build,
    "enrol": enrol.build,
    "caseload": caseload.build,
    "new_case": new_case.build,
    "case": case.build,
    "note": note.build,
    "form": form.build,
    "referral": referral.build,
    "sync": sync.build,
    "conflicts": conflicts.build,
    "settings": settings.build,
}


def _placeholder(name: str) -> Callable[..., ft.View]:
    def build(ctx: Any, **params: str) -> ft.View:
        from fieldapp.views._kit import app_bar, page_body, view

        return view("/", app_bar(ctx, name.title()), page_body(ft.Text(f"{name}: coming soon")))

    return build


for _name in (
    "enrol",
    "caseload",
    "new_case",
    "case",
    "note",
    "form",
    "referral",
    "inbox",
    "request",
    "sync",
    "conflicts",
    "settings",
):
    SCREENS.setdefault(_name, _placeholder(_name))

__all__ = ["SCREENS"]
