"""Sign in, the second factor (set-up with a QR code, or the code prompt), sign out."""

from __future__ import annotations

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from hub import _signin
from hub._db import Database
from hub._lanes import Lanes
from hub._settings import Settings
from hub.console import _session
from hub.console._ratelimit import ClientLimiter
from hub.console._web import PREFIX, form_of, render, secure

router = APIRouter()


def _deps(request: Request) -> tuple[Database, Settings, Lanes]:
    return request.app.state.db, request.app.state.settings, request.app.state.lanes


def _limiter(request: Request) -> ClientLimiter:
    limiter: ClientLimiter | None = getattr(request.app.state, "console_limiter", None)
    if limiter is None:
        limiter = request.app.state.console_limiter = ClientLimiter(request.app.state.settings.clock)
    return limiter


def redirect(request: Request, to: str) -> Response:
    response = RedirectResponse(PREFIX + to, status_code=303)
    return secure(response)


def refused(request: Request) -> Response:
    """A form without its token. When the browser still holds a session cookie the hub no longer honours (idle,
    past its lifetime, signed out elsewhere, or the user revoked), say that plainly instead."""
    if request.cookies.get(_session.SESSION_COOKIE) and getattr(request.state, "session", None) is None:
        return render(
            request,
            "message.html",
            status=403,
            title="You have been signed out",
            message="Your session has ended, so nothing was saved. Sign in again to carry on.",
            link=PREFIX + "/sign-in",
            link_text="Sign in",
        )
    return render(
        request,
        "message.html",
        status=403,
        title="This form has expired",
        message="The form was not sent from this page or has expired. Go back and try again.",
        link=PREFIX + "/sign-in",
        link_text="Sign in",
    )


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    session = await _session.load(request)
    if session is not None and session.stage == "full":
        return redirect(request, "/")
    response = render(request, "sign_in.html", title="Sign in", username="")
    _session.keep_anonymous_token(request, response)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    await _session.load(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    db, settings, lanes = _deps(request)
    username, password = form.get("username", ""), form.get("password", "")
    limiter = _limiter(request)
    client = _session.client_of(request)
    if limiter.blocked(client):
        step = _signin.Step(False, message="Too many failed attempts from this computer. Try again in 15 minutes.")
    elif not username.strip() or not password:
        step = _signin.Step(False, message="Enter your username and password.")
    else:
        step = await lanes.write(lambda: _signin.check_password(db, settings, username, password, client))
        if not step.ok:
            limiter.failed(client)
    if not step.ok or step.session_id is None:
        errors = [{"text": step.message, "href": "#username"}]
        page = render(
            request,
            "sign_in.html",
            status=400,
            title="Sign in",
            username=username[:64],
            errors=errors,
            error=step.message,
        )
        _session.keep_anonymous_token(request, page)
        return page
    response = redirect(request, "/sign-in/code")
    _session.set_cookie(request, response, _session.SESSION_COOKIE, step.session_id)
    return response


def _qr(uri: str) -> Markup:
    # Our own SVG (no user text inside): safe to put in the page as markup.
    svg = segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app")
    return Markup(svg)  # noqa: S704 - made here from the provisioning URI, no user input


async def _code_page(request: Request, session: _signin.Session, status: int = 200, error: str = "") -> Response:
    db, _settings, lanes = _deps(request)
    context: dict[str, object] = {"setup": session.stage == "setup", "staff": None}
    if session.stage == "setup":
        secret = await lanes.write(lambda: _signin.setup_secret(db, session))
        context.update(secret=secret, qr_svg=_qr(_signin.provisioning_uri(secret, session.staff.username)))
        context["title"] = "Set up your second factor"
    else:
        context["title"] = "Enter your code"
    if error:
        context.update(error=error, errors=[{"text": error, "href": "#code"}])
    return render(request, "code.html", status=status, **context)


@router.get("/sign-in/code")
async def code_page(request: Request) -> Response:
    session = await _session.load(request)
    if session is None or session.stage == "full":
        return redirect(request, "/sign-in" if session is None else "/")
    return await _code_page(request, session)


@router.post("/sign-in/code")
async def code(request: Request) -> Response:
    session = await _session.load(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if session is None or session.stage == "full":
        return redirect(request, "/sign-in" if session is None else "/")
    db, settings, lanes = _deps(request)
    cookie = request.cookies.get(_session.SESSION_COOKIE, "")
    limiter, client = _limiter(request), _session.client_of(request)
    if limiter.blocked(client):
        return await _code_page(
            request, session, status=400, error="Too many failed attempts from this computer. Try again in 15 minutes."
        )
    step = await lanes.write(lambda: _signin.check_code(db, settings, cookie, form.get("code", ""), client))
    if not step.ok:
        limiter.failed(client)
    if not step.ok or step.session_id is None:
        return await _code_page(request, session, status=400, error=step.message)
    response = redirect(request, "/")
    _session.set_cookie(request, response, _session.SESSION_COOKIE, step.session_id)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await _session.load(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    db, settings, lanes = _deps(request)
    cookie = request.cookies.get(_session.SESSION_COOKIE)
    await lanes.write(lambda: _signin.sign_out(db, settings, cookie))
    response = render(
        request,
        "message.html",
        title="You have signed out",
        staff=None,
        message="You have signed out of the MASH console.",
        link=PREFIX + "/sign-in",
        link_text="Sign in again",
    )
    _session.clear_session(request, response)
    return response
