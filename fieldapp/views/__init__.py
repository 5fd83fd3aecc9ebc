"""One module per screen; ``SCREENS`` maps a route name to its builder ``build(ctx, **params) -> ft.View``."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from fieldapp.views import (
    case,
    caseload,
    conflicts,
    enrol,
    form,
    inbox,
    new_case,
    note,
    referral,
    request,
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
    "inbox": inbox.build,
    "request": request.build,
    "respond": form.build_response,
}

__all__ = ["SCREENS"]
