"""The linking pages: possible matches for staff to confirm or reject, undoing a link, and a child's chronology
(on screen, printable, and as a PDF). Every view and export is audited; every choice needs a reason.

``viewer_authority`` is the signed-in user's local authority (its ONS code; None: a regional user, who sees all).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub import _chronology, _linking, _screening
from hub._db import Database
from hub._known import display_name
from hub._linking_tables import child_links, possible_matches
from hub._matching import Person
from hub._signin import Staff
from hub._tables import records
from hub.console import _session
from hub.console._signin_pages import redirect, refused
from hub.console._web import PREFIX, form_of, render, secure

router = APIRouter()


def _viewer_authority(staff: Staff) -> str | None:
    """The signed-in user's local authority (its ONS code; None: a regional user, who sees all)."""
    return staff.authority


async def _staff(request: Request) -> Staff | None:
    session = await _session.load(request)
    return session.staff if session is not None and session.stage == "full" else None


def _person_words(identity: str) -> list[tuple[str, str]]:
    p = Person.from_json(json.loads(identity))
    name, born = display_name(identity)
    return [
        ("Name", name),
        ("Date of birth", born + (" (estimated)" if p.dob_estimated else "")),
        ("Postcode", p.postcode or "Not given"),
        ("NHS number", "Given" if p.nhs_number else "Not known"),
    ]


def _open_matches(db: Database) -> list[dict[str, Any]]:
    other = child_links.alias("other")
    with db.read() as conn:
        rows = conn.execute(
            sa.select(possible_matches, child_links.c.identity, child_links.c.item_id, records.c.receipt_ref)
            .join(child_links, child_links.c.link_id == possible_matches.c.link_id)
            .outerjoin(records, records.c.record_id == child_links.c.item_id)
            .where(possible_matches.c.status == "open")
            .order_by(possible_matches.c.created_at)
            .limit(200)
        ).all()
        out = []
        for r in rows:
            theirs = conn.execute(
                sa.select(other.c.identity, other.c.item_id)
                .where(other.c.child_id == r.candidate_child_id, other.c.undone_at.is_(None))
                .order_by(other.c.happened_at.desc())
                .limit(1)
            ).first()
            out.append(
                {
                    "match_id": r.match_id,
                    "item_id": r.item_id,
                    "reference": r.receipt_ref or "No reference",
                    "new": _person_words(r.identity),
                    "known": _person_words(theirs.identity) if theirs else [],
                    "known_item": theirs.item_id if theirs else "",
                    "child_id": r.candidate_child_id,
                }
            )
        return out


@router.get("/matches")
async def matches(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, lanes = request.app.state.db, request.app.state.lanes
    found = await lanes.read(lambda: _open_matches(db))
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.matches"))
    return render(request, "matches.html", title="Possible matches", matches=found, error={}, errors=[])


@router.post("/matches/{match_id}/{choice}")
async def decide(request: Request, match_id: str, choice: str) -> Response:
    staff = await _staff(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if staff is None:
        return redirect(request, "/sign-in")
    if choice not in ("confirm", "reject") or len(match_id) > 36:
        return _missing(request, "There is no such possible match.")
    db, settings, lanes = request.app.state.db, request.app.state.settings, request.app.state.lanes
    act = _linking.confirm if choice == "confirm" else _linking.reject
    try:
        await lanes.write(lambda: act(db, staff, match_id, form.get("reason"), now=settings.clock()))
    except _screening.ScreeningError as exc:
        if not exc.field:
            return _missing(request, exc.message, status=403 if isinstance(exc, _screening.Forbidden) else 404)
        found = await lanes.read(lambda: _open_matches(db))
        return render(
            request,
            "matches.html",
            status=400,
            title="Possible matches",
            matches=found,
            error={match_id: exc.message},
            errors=[{"text": exc.message, "href": f"#reason-{match_id}"}],
        )
    return redirect(request, f"/matches?done={choice}")


@router.post("/links/{link_id}/undo")
async def undo(request: Request, link_id: str) -> Response:
    staff = await _staff(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = request.app.state.db, request.app.state.settings, request.app.state.lanes
    back = form.get("back", "")
    back = back if back.startswith("/referrals/") and len(back) <= 60 else "/"
    try:
        await lanes.write(lambda: _linking.undo(db, staff, link_id[:36], form.get("reason"), now=settings.clock()))
    except _screening.ScreeningError as exc:
        status = 400 if exc.field else 404
        return _missing(request, exc.message, status=status, title="The link was not undone", back=back)
    return redirect(request, f"{back}?done=undo" if back != "/" else "/")


def _missing(
    request: Request, message: str, *, status: int = 404, title: str = "Not found", back: str = "/matches"
) -> Response:
    return render(
        request,
        "message.html",
        status=status,
        title=title,
        message=message,
        link=PREFIX + back,
        link_text="Back",
    )


def _load(db: Database, child_id: str, viewer: str | None) -> _chronology.Chronology | None:
    with db.read() as conn:
        return _chronology.load(conn, child_id[:36], viewer_authority=viewer)


@router.get("/children/{child_id}/chronology")
async def chronology(request: Request, child_id: str) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = request.app.state.db, request.app.state.settings, request.app.state.lanes
    found = await lanes.read(lambda: _load(db, child_id, _viewer_authority(staff)))
    if found is None:
        return _missing(request, "There is no such child record.", back="/")
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.chronology", target=child_id))
    tz = settings.timescales.working.tz
    return render(
        request,
        "chronology.html",
        title=f"Chronology: {found.name}",
        chronology=found,
        when=lambda at: _chronology.when_words(at, tz),
    )


@router.get("/children/{child_id}/chronology.pdf")
async def chronology_pdf(request: Request, child_id: str) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = request.app.state.db, request.app.state.settings, request.app.state.lanes
    found = await lanes.read(lambda: _load(db, child_id, _viewer_authority(staff)))
    if found is None:
        return _missing(request, "There is no such child record.", back="/")
    # fpdf2 (with Pillow and fontTools) is imported here, on the first export, not by every hub process and CLI
    # command at start-up.
    from hub import _chronology_pdf

    tz = settings.timescales.working.tz
    now = settings.clock()
    body = _chronology_pdf.render(found, tz, printed_by=staff.display_name, printed_at=now)
    await lanes.write(
        lambda: _screening.audit_view(
            db, staff, "console.chronology_pdf", target=child_id, detail={"events": len(found.events)}
        )
    )
    day = dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()
    response = Response(body, media_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="chronology-{day}.pdf"'
    return secure(response)
