"""The route table: which screen answers which path, what stack of screens sits under it, and who may see it.

Pure Python (no Flet), so tests check it directly. ``match(path)`` returns the screen name and its parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from forms import role_forms
from protocol import Role


@dataclass(frozen=True)
class Route:
    name: str
    pattern: re.Pattern[str]
    parent: str | None  # the route under it in the back stack (template with the same params)
    needs_unlock: bool = True


def _r(name: str, template: str, parent: str | None, needs_unlock: bool = True) -> Route:
    regex = "^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", template) + "$"
    return Route(name, re.compile(regex), parent, needs_unlock)


ROUTES: Final[tuple[Route, ...]] = (
    _r("setup", "/setup", None, needs_unlock=False),
    _r("unlock", "/unlock", None, needs_unlock=False),
    _r("enrol", "/enrol", None),
    _r("caseload", "/caseload", None),
    _r("new_case", "/case/new", "/caseload"),
    _r("case", "/case/<case_id>", "/caseload"),
    _r("note", "/case/<case_id>/note", "/case/<case_id>"),
    _r("form", "/case/<case_id>/form/<form_id>", "/case/<case_id>"),
    _r("referral", "/referral/<record_id>", "/caseload"),
    _r("inbox", "/inbox", "/caseload"),
    _r("request", "/request/<record_id>", "/inbox"),
    _r("respond", "/request/<record_id>/respond", "/request/<record_id>"),
    _r("sync", "/sync", "/caseload"),
    _r("conflicts", "/conflicts", "/sync"),
    _r("settings", "/settings", "/caseload"),
)
HOME: Final = "/caseload"


def landing(role: Role | None) -> str:
    """Where the app opens after unlock for the enrolled user's role (a GP's inbox; a caseload otherwise, also before
    enrolling). Console roles never enrol, so they never reach here."""
    return f"/{role_forms(role).landing}"


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    path = path.split("?", 1)[0] or "/"
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            return route, m.groupdict()
    return None


def stack(path: str, home: str = HOME) -> list[tuple[str, Route, dict[str, str]]]:
    """The path and every parent under it, bottom first: the views the back arrow walks through. ``home``: the
    user's landing screen (``landing``), the bottom of every stack: a GP's back arrow leads to the inbox, never to a
    caseload, and the landing screen itself has nothing under it."""
    found = match(path)
    if found is None:
        return []
    route, params = found
    out = [(path, route, params)]
    while route.parent is not None and out[-1][0] != home:
        parent_path = home if route.parent == HOME else route.parent
        for k, v in params.items():
            parent_path = parent_path.replace(f"<{k}>", v)
        found = match(parent_path)
        if found is None:
            break
        route, params = found
        out.append((parent_path, route, params))
    return list(reversed(out))
