"""The signed-in pages: the queue, a referral, the screening forms, and console users (admins)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub import _authorities, _boundaries, _decisions, _known, _queue, _requests, _screening, _staff_accounts, _trail
from hub._console_tables import screenings
from hub._db import Database
from hub._errors import AdminError
from hub._lanes import Lanes
from hub._settings import Settings
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import records
from hub._timescales import RATING_WORDS, RATINGS
from hub.console import _document, _session
from hub.console._signin_pages import redirect, refused
from hub.console._web import PREFIX, form_of, render
from protocol import RecordType

router = APIRouter()
TAG_CLASSES = {
    "red": "govuk-tag--red",
    "amber": "govuk-tag--orange",
    "green": "govuk-tag--green",
    "blue": "govuk-tag--blue",
    None: "govuk-tag--grey",
}


def _deps(request: Request) -> tuple[Database, Settings, Lanes]:
    return request.app.state.db, request.app.state.settings, request.app.state.lanes


async def _staff(request: Request) -> Staff | None:
    session = await _session.load(request)
    return session.staff if session is not None and session.stage == "full" else None


def _now(settings: Settings) -> dt.datetime:
    return dt.datetime.fromtimestamp(settings.clock(), dt.UTC)


def _local(settings: Settings, when: dt.datetime | None) -> str:
    if when is None:
        return "Not given"
    local = when.astimezone(settings.timescales.working.tz)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def _local_at(settings: Settings, at: float | None) -> str:
    return _local(settings, None if at is None else dt.datetime.fromtimestamp(at, dt.UTC))


def _filters(request: Request) -> _queue.Filters:
    q = request.query_params
    sort = q.get("sort", "priority")
    rating = q.get("rating", "")
    return _queue.Filters(
        authority=q.get("authority", "")[:200],
        rating=rating if rating in (*RATINGS, "unrated") else "",
        worker=q.get("worker", "")[:64],
        status=q.get("status", "")[:40],
        overdue=q.get("overdue") == "yes",
        sort=sort if sort in _queue.SORTS else "priority",
    )


def counts_only(request: Request) -> Response:
    """What a commissioner gets at any page about referrals: a pointer to the dashboard (they see counts only)."""
    return render(
        request,
        "message.html",
        status=403,
        title="You cannot see referrals",
        message="Commissioners see counts, never a child or a family.",
        link=PREFIX + "/dashboard",
        link_text="Go to the dashboard",
    )


@router.get("/")
async def queue(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    if staff.is_commissioner:
        return redirect(request, "/dashboard")
    db, settings, lanes = _deps(request)
    filters = _filters(request)
    now = _now(settings)
    raw_page = request.query_params.get("page", "1")
    wanted = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1
    result = await lanes.read(
        lambda: _queue.load(
            db, settings.timescales, now, filters, wanted, PAGE_SIZE, staff.authority, settings.authority_timescales
        )
    )
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.queue", detail=filters.as_dict()))
    workers = await lanes.read(lambda: _screening.workers(db, staff.authority))
    rule = repeat_rule(settings)
    repeat = await lanes.read(lambda: _repeat(db, [i.record_id for i in result.items], rule))
    return render(
        request,
        "queue.html",
        repeat=repeat,
        title="Referrals to screen",
        queue=result,
        filters=filters,
        shown=result.items,
        pagination=_pagination(filters, result.page, result.pages),
        total=result.total,
        options=_options(result, filters, workers),
        ratings=RATINGS,
        rating_words=RATING_WORDS,
        tag_classes=TAG_CLASSES,
        status_words=_queue.STATUS_WORDS,
        when=lambda d: _local(settings, d),
    )


PAGE_SIZE = 50


def repeat_rule(settings: Settings) -> _known.RepeatRule:
    return _known.RepeatRule(contacts=settings.repeat_contacts, days=settings.repeat_days)


def _repeat(db: Database, record_ids: list[str], rule: _known.RepeatRule) -> set[str]:
    with db.read() as conn:
        return _known.flagged(conn, record_ids, rule)


def _viewer_authority(staff: Staff) -> str | None:
    """The signed-in user's local authority (its ONS code; None: a regional user, who sees all)."""
    return staff.authority


def page_window(page: int, pages: int) -> list[int | None]:
    """The page numbers to offer, as the GOV.UK pagination pattern does: the first, the last, the current page and
    its neighbours, with None for each gap (an ellipsis). A queue of 400 pages lists 5 links, not 400."""
    shown = sorted({1, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
    out: list[int | None] = []
    last = 0
    for n in shown:
        if last and n - last > 1:
            out.append(None)
        out.append(n)
        last = n
    return out


def _pagination(filters: _queue.Filters, page: int, pages: int) -> dict[str, Any] | None:
    if pages == 1:
        return None
    query = {k: ("yes" if v is True else v) for k, v in filters.as_dict().items() if v not in ("", False)}

    def href(n: int) -> str:
        return PREFIX + "/?" + urlencode({**query, "page": n})

    params: dict[str, Any] = {
        "items": [
            {"ellipsis": True} if n is None else {"number": n, "href": href(n), "current": n == page}
            for n in page_window(page, pages)
        ],
        "landmarkLabel": "Pages of the queue",
    }
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params


def _choices(pairs: list[tuple[str, str]], chosen: str) -> list[dict[str, Any]]:
    return [{"value": value, "text": text, "selected": value == chosen} for value, text in pairs]


def _options(queue: _queue.Queue, f: _queue.Filters, workers: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "authority": _choices([("", "All"), *((a, a) for a in queue.authorities)], f.authority),
        "rating": _choices(
            [("", "All"), *((r, RATING_WORDS[r]) for r in RATINGS), ("unrated", "Not rated yet")], f.rating
        ),
        "worker": _choices([("", "Anyone"), ("none", "Nobody yet"), *workers], f.worker),
        "status": _choices([("", "All"), *((s, _queue.STATUS_WORDS.get(s, s)) for s in queue.statuses)], f.status),
        "sort": _choices(list(_queue.SORTS.items()), f.sort),
    }


def _load_referral(
    db: Database, staff: Staff, record_id: str, now: dt.datetime, rule: _known.RepeatRule
) -> dict[str, Any] | None:
    """The referral and what the page shows of it, or None when there is none this user may read (another
    authority's referral reads as not found)."""
    if staff.role not in CONSOLE_ROLES:
        return None
    with db.read() as conn:
        row = conn.execute(
            sa.select(records).where(
                records.c.record_id == record_id,
                records.c.record_type == RecordType.REFERRAL.value,
                _authorities.scope(staff.authority),
            )
        ).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out["history"] = _screening.history(conn, record_id)
        out["requests"] = _requests.requests_for(conn, out["case_id"], now)
        out["screening"] = conn.execute(sa.select(screenings).where(screenings.c.record_id == record_id)).first()
        out["known"] = _known.known(conn, record_id, viewer_authority=staff.authority, rule=rule)
    try:
        out["parsed"] = json.loads(out["fields"])
    except ValueError:
        out["parsed"] = {}
    return out


def _not_found(request: Request) -> Response:
    return render(
        request,
        "message.html",
        status=404,
        title="Referral not found",
        message="There is no referral at this address.",
        link=PREFIX + "/",
        link_text="Back to the queue",
    )


async def _referral_page(
    request: Request,
    staff: Staff,
    record_id: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    banner: str = "",
) -> Response:
    db, settings, lanes = _deps(request)
    if len(record_id) > 36:
        return _not_found(request)
    now = _now(settings)
    rule = repeat_rule(settings)
    row = await lanes.read(lambda: _load_referral(db, staff, record_id, now, rule))
    if row is None:
        return _not_found(request)
    now = _now(settings)
    item = await lanes.read(lambda: _item(db, settings, now, record_id, staff))
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.referral", target=record_id))
    workers = await lanes.read(lambda: _screening.workers(db, staff.authority))
    knowing = await lanes.read(lambda: _boundaries.known_elsewhere(db, staff, record_id, settings))
    document = _document.build(row["parsed"], row, settings.timescales.working.tz)
    error_list = [{"text": text, "href": f"#{field}"} for field, text in (errors or {}).items()]
    chosen = (values or {}).get("rating", "")
    rating_items = [{"value": r, "text": RATING_WORDS[r], "checked": r == chosen} for r in RATINGS]
    current_worker = item.worker_username if item else None
    worker_items = [{"value": "", "text": "Choose a worker"}] + [
        {"value": u, "text": name, "selected": u == current_worker} for u, name in workers
    ]
    screening = row["screening"]
    row_open = screening.allocated_worker if screening is not None and screening.already_open else ""
    return render(
        request,
        "referral.html",
        status=status,
        title=f"Referral {item.reference if item else ''}",
        row=row,
        item=item,
        known=row["known"],
        repeat_rule=rule,
        day=lambda t: _known.when_words(t, settings.timescales.working.tz),
        doc=document,
        history=row["history"],
        workers=workers,
        ratings=RATINGS,
        rating_words=RATING_WORDS,
        tag_classes=TAG_CLASSES,
        status_words=_queue.STATUS_WORDS,
        errors=error_list,
        error=errors or {},
        values=values or {},
        banner=_DONE.get(banner, ""),
        rating_items=rating_items,
        decision_items=[
            {"value": k, "text": v, "checked": (values or {}).get("decision") == k}
            for k, v in _decisions.DECISIONS.items()
        ],
        decisions=_decisions.DECISIONS,
        request_tags=_requests.STATE_TAGS,
        answers=_requests.side_by_side(row["requests"]),
        recipients=_requests.RECIPIENTS,
        worker_items=worker_items,
        row_open=row_open,
        knowing=knowing,
        knowing_items=[
            {
                "value": k.authority.code,
                "text": k.authority.name,
                "selected": (values or {}).get("to_authority") == k.authority.code,
            }
            for k in knowing.knowing
        ],
        transfer_items=[
            {"value": a.code, "text": a.name, "selected": (values or {}).get("to_authority") == a.code}
            for a in _authorities.PENINSULA
            if row.get("routed_to") not in (a.label, a.name)
        ],
        state_words=_boundaries.STATE_WORDS,
        authority_name=(
            _authorities.name_of(row.get("routed_to"))
            if _authorities.of_referral(row.get("routed_to"))
            else (item.view.authority if item else "Not given")
        ),
        event_words=_EVENTS,
        when=lambda d: _local(settings, d),
        at=lambda t: _local(settings, dt.datetime.fromtimestamp(t, dt.UTC)),
    )


def _item(db: Database, settings: Settings, now: dt.datetime, record_id: str, staff: Staff) -> _queue.QueueItem | None:
    return _queue.load_one(db, settings.timescales, now, record_id, staff.authority, settings.authority_timescales)


@router.get("/referrals/{record_id}")
async def referral(request: Request, record_id: str) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    if staff.is_commissioner:
        return counts_only(request)
    return await _referral_page(request, staff, record_id, banner=request.query_params.get("done", "")[:40])


_EVENTS = {
    "request": "Information requested",
    "rate": "Rating set",
    "assign": "Worker assigned",
    "reassign": "Worker changed",
    "note": "Note",
    "already_open": "Already open to children's social care",
    "decide": "Decision",
    "outcome_sent": "Outcome sent to the referrer",
    "deadline": "Deadline moved by the new rating",
    "request_deadline": "Information request's deadline moved",
    "chase": "Information request chased",
    "ask_authority": "Information asked of another MASH",
    "transfer": "Transferred to another local authority",
    "family_move": "Family moved: transferred to another local authority",
}
_DONE = {
    "request": "Information request sent",
    "rate": "Rating saved",
    "assign": "Worker saved",
    "note": "Note added",
    "open": "Saved: already open to children's social care",
    "decide": "Decision recorded",
    "sign-off": "Signed off: the outcome has gone to the referrer",
    "undo": "The link was undone: this referral now has a child record of its own",
    "chase": "Chased: the practice's devices will show it",
    "ask": "Your request has gone to the other MASH",
    "transfer": "Transferred: the referral is now in the other authority's queue",
}


_Action = Callable[[Database, Staff, str, dict[str, str], float], object]
_ACTIONS: dict[str, _Action] = {
    "assign": lambda db, staff, rid, f, now: _screening.assign(db, staff, rid, f.get("worker", ""), now=now),
    "note": lambda db, staff, rid, f, now: _screening.add_note(db, staff, rid, f.get("note", ""), now=now),
    "open": lambda db, staff, rid, f, now: _screening.mark_already_open(
        db, staff, rid, f.get("allocated_worker", ""), now=now
    ),
}


@router.post("/referrals/{record_id}/{action}")
async def act(request: Request, record_id: str, action: str) -> Response:
    staff = await _staff(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = _deps(request)
    run: _Action | None = _ACTIONS.get(action)
    scales, tz, need = (
        settings.timescales_for(staff.authority),
        settings.timescales.working.tz,
        settings.decisions_need_sign_off,
    )
    if action == "rate":
        run = lambda db, staff, rid, f, now: _screening.rate(  # noqa: E731
            db, staff, rid, f.get("rating", ""), f.get("rationale"), now=now,
            timescales=settings.timescales, per_authority=settings.authority_timescales,
        )  # fmt: skip
    elif action == "chase":
        run = lambda db, staff, rid, f, now: _requests.chase(db, staff, rid, f.get("request", ""), now)  # noqa: E731
    elif action == "request":
        run = lambda db, staff, rid, f, now: _requests.request_information(  # noqa: E731
            db, staff, rid, f.get("practice_ods", ""), f.get("questions", ""), scales, now,
            recipient=f.get("recipient", ""), team_code=f.get(f"team_code_{f.get('recipient', '')}"[:40], ""),
        )  # fmt: skip
    elif action == "decide":
        run = lambda db, staff, rid, f, now: _decisions.decide(  # noqa: E731
            db, staff, rid, f.get("decision", ""), f.get("decision_rationale", ""), now=now, need_sign_off=need, tz=tz
        )
    elif action == "sign-off":
        run = lambda db, staff, rid, f, now: _decisions.sign_off(db, staff, rid, now=now, tz=tz)  # noqa: E731
    elif action == "ask":
        run = lambda db, staff, rid, f, now: _boundaries.ask(  # noqa: E731
            db, staff, rid, f.get("to_authority", ""), f.get("question", ""), now=now
        )
    elif action == "transfer":
        run = lambda db, staff, rid, f, now: _boundaries.transfer(  # noqa: E731
            db, staff, rid, f.get("to_authority", ""), f.get("reason", ""), family_move=f.get("family_move") == "yes",
            now=now,
        )  # fmt: skip
    if run is None or len(record_id) > 36:
        return _not_found(request)
    try:
        await lanes.write(lambda: run(db, staff, record_id, form, settings.clock()))
    except _screening.ScreeningError as exc:
        if not exc.field:
            return (
                _not_found(request)
                if "no such" in exc.message
                else render(
                    request,
                    "message.html",
                    status=403,
                    title="You cannot do this",
                    message=exc.message,
                    link=f"{PREFIX}/referrals/{record_id}",
                    link_text="Back to the referral",
                )
            )
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        return await _referral_page(
            request, staff, record_id, status=400, errors={exc.field: exc.message}, values=values
        )
    if action == "transfer" and not await lanes.read(lambda: _still_ours(db, staff, record_id)):
        return redirect(request, "/?done=transfer")
    return redirect(request, f"/referrals/{record_id}?done={action}")


def _still_ours(db: Database, staff: Staff, record_id: str) -> bool:
    with db.read() as conn:
        query = sa.select(records.c.record_id).where(
            records.c.record_id == record_id, _authorities.scope(staff.authority)
        )
        return conn.execute(query).first() is not None


@router.get("/users")
async def users_page(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    return await _users_page(request, staff)


async def _users_page(request: Request, staff: Staff, status: int = 200, **context: Any) -> Response:
    db, _settings, lanes = _deps(request)
    try:
        people = await lanes.read(lambda: _staff_accounts.list_staff(db, staff))
    except _staff_accounts.Forbidden:
        return render(
            request,
            "message.html",
            status=403,
            title="You cannot do this",
            message="Only an admin can manage console users.",
            link=PREFIX + "/",
            link_text="Back to the queue",
        )
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.users"))
    return render(
        request,
        "users.html",
        status=status,
        title="Console users",
        people=people,
        roles={"hub_staff": "Hub staff", "manager": "MASH manager", "admin": "Admin"},
        **context,
    )


@router.post("/users")
async def create_user(request: Request) -> Response:
    staff = await _staff(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, _settings, lanes = _deps(request)
    try:
        await lanes.write(
            lambda: _staff_accounts.create_staff(
                db,
                staff,
                username=form.get("username", "").strip().lower(),
                display_name=form.get("display_name", ""),
                role=form.get("role", ""),
                organisation=form.get("organisation", ""),
                password=form.get("password", ""),
            )
        )
    except _staff_accounts.Forbidden as exc:
        return render(request, "message.html", status=403, title="You cannot do this", message=str(exc))
    except AdminError as exc:
        values = {k: v for k, v in form.items() if k not in ("csrf_token", "password")}
        return await _users_page(
            request, staff, status=400, errors=[{"text": str(exc), "href": "#username"}], values=values
        )
    return redirect(request, "/users?done=created")


@router.post("/users/{username}/reset-second-factor")
async def reset_factor(request: Request, username: str) -> Response:
    staff = await _staff(request)
    form = await form_of(request)
    if not _session.csrf_ok(request, form):
        return refused(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, _settings, lanes = _deps(request)
    try:
        await lanes.write(lambda: _staff_accounts.reset_second_factor(db, staff, username[:64]))
    except _staff_accounts.Forbidden as exc:
        return render(request, "message.html", status=403, title="You cannot do this", message=str(exc))
    except AdminError as exc:
        return await _users_page(request, staff, status=400, errors=[{"text": str(exc), "href": "#people"}])
    return redirect(request, "/users?done=reset")


@router.get("/audit")
async def audit_trail(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    db, settings, lanes = _deps(request)
    record_id = request.query_params.get("record", "")[:36]
    username = request.query_params.get("user", "")[:64]
    try:
        entries = await lanes.write(lambda: _trail.trail(db, staff, record_id=record_id, username=username))
    except _trail.Forbidden as exc:
        return render(
            request,
            "message.html",
            status=403,
            title="You cannot do this",
            message=str(exc),
            link=PREFIX + "/",
            link_text="Back to the queue",
        )
    title = (
        f"Audit trail of user {username}"
        if username
        else "Audit trail of this referral"
        if record_id
        else ("Audit trail")
    )
    back = f"{PREFIX}/referrals/{record_id}" if record_id else f"{PREFIX}/users" if username else f"{PREFIX}/"
    return render(
        request,
        "audit.html",
        title=title,
        entries=entries,
        limit=_trail.LIMIT,
        back=back,
        at=lambda t: _local(settings, dt.datetime.fromtimestamp(t, dt.UTC)),
    )
