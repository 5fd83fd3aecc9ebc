"""Mounting the console on the hub's FastAPI app: its routes, its own static files, GOV.UK Frontend's assets."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response

import forms
from hub.console import _late_pages, _linking_pages, _pages, _photos, _region_pages, _signin_pages
from hub.console._hsts import ConsoleHsts
from hub.console._web import HERE, PREFIX, render, secure

ROOT: Final = HERE.parent.parent
# An installed wheel carries the two files in the package (setup.py copies them at build); a checkout reads them
# where npm put them.
_PACKAGED: Final = HERE / "govuk"
GOVUK_DIST: Final = (
    _PACKAGED
    if (_PACKAGED / "govuk-frontend.min.css").is_file()
    else ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
)
# Only what the pages use: no fonts (GDS Transport) and no crown images, which are for gov.uk services only.
_GOVUK_FILES: Final = {"govuk-frontend.min.css": "text/css", "govuk-frontend.min.js": "text/javascript"}
_STATIC: Final = {"console.css": "text/css", "console.js": "text/javascript"}


def _file(path: Path, media_type: str) -> Response:
    if not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    response = FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


_FONT_FACE: Final = re.compile(rb"@font-face\{[^}]*\}")
_SYSTEM_FONTS: Final = b'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial'


@functools.cache
def _council_css() -> bytes | None:
    """GOV.UK Frontend's stylesheet without the GDS Transport font: its @font-face rules removed and the family
    replaced by the system font stack, so no browser ever asks for it (the CSP would refuse it anyway)."""
    path = GOVUK_DIST / "govuk-frontend.min.css"
    if not path.is_file():
        return None
    css = _FONT_FACE.sub(b"", path.read_bytes())
    return css.replace(b'"GDS Transport"', _SYSTEM_FONTS).replace(b"GDS Transport", _SYSTEM_FONTS)


def mount(app: FastAPI) -> None:
    app.add_middleware(ConsoleHsts, prefix=PREFIX)
    routers = (_signin_pages.router, _region_pages.router, _pages.router, _photos.router, _linking_pages.router,
               _late_pages.router)  # fmt: skip
    for router in routers:
        app.include_router(router, prefix=PREFIX, include_in_schema=False)

    @app.get(PREFIX + "/assets/{name}", include_in_schema=False)
    def govuk_asset(name: str) -> Response:
        if name == "govuk-frontend.min.css":
            css = _council_css()
            if css is None:
                return _file(Path("/nonexistent"), "")
            return Response(
                css,
                media_type="text/css",
                headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
            )
        media_type = _GOVUK_FILES.get(name)
        return _file(GOVUK_DIST / name, media_type) if media_type else _file(Path("/nonexistent"), "")

    @app.get(PREFIX + "/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name == "icon.svg":  # the service's own icon (the field app's), never GOV.UK's crown
            return _file(forms.ASSETS / "icon.svg", "image/svg+xml")
        media_type = _STATIC.get(name)
        return _file(HERE / "static" / name, media_type) if media_type else _file(Path("/nonexistent"), "")

    @app.get(PREFIX + "/{rest:path}", include_in_schema=False)
    def not_found(request: Request, rest: str) -> Response:
        # Last: any other console address gets a page, not the device API's JSON error.
        return render(
            request,
            "message.html",
            status=404,
            title="Page not found",
            message="There is no page at this address.",
            link=PREFIX + "/",
            link_text="Go to the queue",
        )

    @app.get(PREFIX, include_in_schema=False)
    def bare() -> Response:
        return secure(Response(status_code=308, headers={"Location": PREFIX + "/"}))
