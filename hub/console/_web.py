"""What every console page shares: the Jinja2 environment, the security headers, rendering and form reading.

Autoescape is on for every template; user data is only ever passed to macros as ``text`` (never ``html``) and never
through ``|safe``. The Content-Security-Policy allows scripts, styles and images from the hub itself only: no inline
script or style anywhere (GOV.UK's ``js-enabled`` class is set by ``static/console.js``, not an inline snippet).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

PREFIX: Final = "/console"
HERE: Final = Path(__file__).resolve().parent
SERVICE_NAME: Final = "MASH console"

CSP: Final = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'none'",  # the GDS Transport font is for gov.uk services only: the system font stack instead
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}

templates: Final = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(HERE / "templates"),
            jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=True,
    undefined=jinja2.ChainableUndefined,  # the GOV.UK macros read optional params that may be absent
    trim_blocks=True,
    lstrip_blocks=True,
)


def pairs_to_rows(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """(label, value) pairs as summary-list rows; both go in as text, so they are escaped."""
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]


templates.globals["pairs_to_rows"] = pairs_to_rows
templates.globals["PREFIX"] = PREFIX
templates.globals["SERVICE_NAME"] = SERVICE_NAME


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/name`` with the security headers. ``context`` gets the signed-in user (``staff``)
    and the CSRF token (``csrf``) from the request state when the caller did not give them."""
    context.setdefault("staff", getattr(request.state, "staff", None))
    context.setdefault("csrf", getattr(request.state, "csrf", ""))
    context.setdefault("path", request.url.path)
    html = templates.get_template(name).render(**context)
    response = HTMLResponse(html, status_code=status)
    secure(response)
    return response


async def form_of(request: Request) -> dict[str, str]:
    """The posted form as plain strings (a repeated name keeps its last value; files are ignored). Never raises on
    a malformed body: it reads as an empty form."""
    try:
        form = await request.form()
    except Exception:  # a malformed multipart or urlencoded body is a user error, not a crash
        return {}
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Like ``form_of`` but keeping every value of a repeated name (checkboxes)."""
    try:
        form = await request.form()
    except Exception:
        return {}
    out: dict[str, list[str]] = {}
    for k, v in form.multi_items():
        if isinstance(v, str):
            out.setdefault(k, []).append(v)
    return out
