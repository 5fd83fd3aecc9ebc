"""The pages of a hub serving several authorities: the commissioning dashboard (counts only, with CSV downloads)
and the requests other MASHs have sent to this one. The core (hub._commissioning, hub._boundaries) checks who may
see and do what; these pages only read the request and render."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub import _authorities, _boundaries, _commissioning, _facts, _screening
from hub._signin import Staff
from hub.console import _charts, _session
from hub.console._pages import _deps, _local_at, _staff, counts_only
from hub.console._signin_pages import redirect, refused
from hub.console._web import PREFIX, form_of, render, secure

router = APIRouter()


def _forbidden(request: Request, message: str) -> Response:
    return render(
        request,
        "message.html",
        status=403,
        title="You cannot do this",
        message=message,
        link=PREFIX + "/",
        link_text="Back to the start",
    )


def _choices(pairs: list[tuple[str, str]], chosen: str) -> list[dict[str, Any]]:
    return [{"value": v, "text": t, "selected": v == chosen} for v, t in pairs]


def _filter_options(staff: Staff, f: _commissioning.Filters) -> dict[str, list[dict[str, Any]]]:
    authorities = [("", "All")] + [(a.code, a.name) for a in _authorities.PENINSULA]
    if staff.authority is not None:
        authorities = [(staff.authority, _authorities.name_of(staff.authority))]
    return {
        "authority": _choices(authorities, f.authority),
        "category": _choices([("", "All"), *_commissioning.CATEGORY_WORDS.items()], f.category),
        "level": _choices([("", "All"), *((str(k), f"Level {k}") for k in range(1, 5))], f.level),
        "age_band": _choices([("", "All"), *_facts.AGE_BANDS.items()], f.age_band),
        "agency": _choices([("", "All"), *_facts.AGENCIES.items()], f.agency),
        "outcome": _choices([("", "All"), *_commissioning.OUTCOME_WORDS.items()], f.outcome),
        "grain": _choices(list(_commissioning.GRAINS.items()), f.grain),
    }


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = _deps(request)
    filters = _commissioning.parse_filters(request.query_params)
    try:
        done = await lanes.write(lambda: _commissioning.dashboard(db, staff, settings, filters))
    except _commissioning.Forbidden as exc:
        return _forbidden(request, str(exc))
    query = request.url.query
    return render(
        request,
        "dashboard.html",
        title="Where the need is",
        board=done,
        options=_filter_options(staff, done.filters),
        bars=_charts.bars,
        trend=_charts.trend,
        query=("?" + query) if query else "",
        at=lambda t: _local_at(settings, t),
    )


@router.get("/dashboard/{name}.csv")
async def download(request: Request, name: str) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = _deps(request)
    filters = _commissioning.parse_filters(request.query_params)
    try:
        done = await lanes.write(
            lambda: _commissioning.dashboard(db, staff, settings, filters, what=f"csv:{name[:40]}")
        )
    except _commissioning.Forbidden as exc:
        return _forbidden(request, str(exc))
    chart = done.chart(name)
    if chart is None:
        return render(request, "message.html", status=404, title="Page not found", message="There is no such table.")
    out = io.StringIO()
    csv.writer(out).writerows(_commissioning.csv_rows(chart))
    response = Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return secure(response)


@router.get("/from-other-mashs")
async def incoming(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    return await _incoming_page(request, staff)


async def _incoming_page(request: Request, staff: Staff, status: int = 200, **context: Any) -> Response:
    if staff.is_commissioner:
        return counts_only(request)
    db, settings, lanes = _deps(request)
    try:
        asked = await lanes.read(lambda: _boundaries.incoming(db, staff))
    except _screening.ScreeningError as exc:
        return _forbidden(request, exc.message)
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.from_other_mashs"))
    return render(
        request,
        "incoming.html",
        status=status,
        title="Requests from other MASHs",
        asked=asked,
        state_words=_boundaries.STATE_WORDS,
        banner=request.query_params.get("done", "") == "reply",
        at=lambda t: _local_at(settings, t),
        **context,
    )


@router.post("/from-other-mashs/{request_id}")
async def reply(request: Request, request_id: str) -> Response:
    staff = await _staff(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = _deps(request)
    give = form.get("give") == "yes"
    try:
        await lanes.write(
            lambda: _boundaries.reply(
                db, staff, request_id, give=give, text=form.get("answer", ""), now=settings.clock()
            )
        )
    except _screening.ScreeningError as exc:
        if not exc.field:
            return _forbidden(request, exc.message)
        return await _incoming_page(
            request, staff, status=400, errors=[{"text": exc.message, "href": f"#answer-{request_id[:36]}"}],
            failed=request_id[:36],
        )  # fmt: skip
    return redirect(request, "/from-other-mashs?done=reply")
