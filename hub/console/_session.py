"""The console's cookies and CSRF: who is asking, and whether a form really came from our page.

The session cookie holds a random id (the hub keeps its hash: ``hub._signin``); it is HttpOnly, SameSite=Strict,
path ``/console``, and Secure except over plain HTTP to a loopback address (development). Every POST carries a
``csrf_token`` field: for a session, the synchronizer token kept with the session on the hub; before sign-in, the
value of a random ``mash_csrf`` cookie (double submit). A missing or wrong token is refused with 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from hub import _signin
from hub._db import Database
from hub._lanes import Lanes
from hub._settings import Settings
from hub.console._web import PREFIX

SESSION_COOKIE: Final = "mash_console"
CSRF_COOKIE: Final = "mash_csrf"


def _loopback_http(request: Request) -> bool:
    if request.url.scheme != "http":
        return False
    host = request.url.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="strict", secure=not _loopback_http(request))


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=PREFIX, httponly=True, samesite="strict", secure=not _loopback_http(request)
    )


async def load(request: Request) -> _signin.Session | None:
    """The request's live session (any stage), also put on ``request.state`` (``session``, ``staff``, ``csrf``)."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    lanes: Lanes = request.app.state.lanes
    cookie = request.cookies.get(SESSION_COOKIE)
    session = await lanes.read(lambda: _signin.current(db, settings, cookie)) if cookie else None
    request.state.session = session
    request.state.staff = session.staff if session is not None and session.stage == "full" else None
    request.state.csrf = session.csrf_token if session is not None else anonymous_token(request)
    return session


def anonymous_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    if token is None or not (20 <= len(token) <= 100):
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def keep_anonymous_token(request: Request, response: Response) -> None:
    """Set the double-submit cookie if this request made a new one."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        set_cookie(request, response, CSRF_COOKIE, token)


def csrf_ok(request: Request, form: dict[str, str]) -> bool:
    sent = form.get("csrf_token", "")
    session: _signin.Session | None = getattr(request.state, "session", None)
    expected = session.csrf_token if session is not None else request.cookies.get(CSRF_COOKIE, "")
    return bool(sent) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"
