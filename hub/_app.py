"""The HTTP API: FastAPI routes over the hub's services. Paths and models are those of ``protocol``."""

import logging
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hub import _attachments, _auth, _pull, _push, _region_tables, console  # noqa: F401 (its tables)
from hub._db import Database
from hub._deps import Who
from hub._errors import ApiError
from hub._lanes import Lanes
from hub._logging import RequestIdMiddleware
from hub._metrics import CONTENT_TYPE, HubMetrics, MetricsMiddleware
from hub._middleware import BodyMiddleware
from hub._migrations import is_current, migrate
from hub._ratelimit import RateLimiter, client_of
from hub._settings import Settings
from hub._strict_json import StrictJsonRoute
from protocol import (
    API_PREFIX,
    Credentials,
    DeviceInfo,
    EnrolRequest,
    ErrorBody,
    ErrorCode,
    PullQuery,
    PullResponse,
    PushRequest,
    PushResponse,
    RefreshRequest,
    SyncRequest,
    SyncResponse,
)

log = logging.getLogger("hub")


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "bad request",
        401: "token missing, invalid or expired",
        403: "device revoked, user disabled, forbidden, or an enrolment code of a console user (not spent)",
        404: "not found",
        409: "an enrolment code of another user (not spent)",
        413: "too large",
        422: "malformed request",
        429: "too many attempts (enrolment, refresh): see Retry-After",
    }.items()
}


def _json(model: BaseModel, status: int = 200) -> Response:
    # Serialise once with pydantic (FastAPI would validate the model a second time).
    return Response(model.model_dump_json().encode(), status_code=status, media_type="application/json")


def _raw_json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _error_response(
    status: int, code: ErrorCode, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, details=details).model_dump(mode="json")
    return JSONResponse(body, status, headers=headers)


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    # Echo where and what, never the input itself (it may be huge, binary, or personal data).
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in list(errors)[:50]
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the hub's ASGI app on ``settings.db_url`` (migrated to the latest schema first)."""
    settings = settings or Settings()
    db = Database(settings.db_url, pool_size=settings.pool_size or settings.lane_threads)
    lanes = Lanes(settings.lane_threads)
    migrate(db)
    app = FastAPI(title="MASH hub", version="1", openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    app.router.route_class = StrictJsonRoute  # every route added below reads JSON with protocol.parse_json
    app.state.db = db
    app.state.settings = settings
    app.state.lanes = lanes
    limiter = app.state.limiter = RateLimiter(settings.rate_limits)
    metrics = app.state.metrics = HubMetrics(lanes, db)
    app.add_middleware(BodyMiddleware, max_bytes=settings.max_body_bytes)
    # Level 5, not Starlette's 9: a pull page of 2 MB compresses in half the time, about 5% larger on the wire.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=app.router.routes)  # the list, filled below
    app.add_middleware(RequestIdMiddleware)  # so every log line of a request carries its id

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(
            422, ErrorCode.BAD_REQUEST, "request does not match the schema", _clean_errors(exc.errors())
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.BAD_REQUEST
        return _error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error_response(500, ErrorCode.INTERNAL, "internal error")

    def route(method: str, path: str, model: type[BaseModel] | None, **kw: Any) -> Callable[[Any], Any]:
        return app.api_route(API_PREFIX + path, methods=[method], response_model=model, responses=_ERRORS, **kw)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, bool]:
        """The process lives (it answers without touching the database)."""
        return {"ok": True}

    @app.get(API_PREFIX + "/instance", include_in_schema=False)
    def instance() -> dict[str, str]:
        # Which hub answers on this port: the demo compares it with the id it gave the hub it started.
        return {"instance_id": settings.instance_id}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready for traffic: the database answers and its schema is this hub's latest."""

        def check() -> str | None:
            try:
                return None if is_current(db) else "the database schema is not this hub's: run python -m hub migrate"
            except sa.exc.SQLAlchemyError as exc:
                return f"the database does not answer ({type(exc).__name__})"

        problem = await lanes.read(check)
        return JSONResponse({"ready": problem is None, "problem": problem}, 200 if problem is None else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_text() -> Response:
        return Response(metrics.text(), media_type=CONTENT_TYPE)

    @route("POST", "/enrol", Credentials)
    async def enrol(body: EnrolRequest, request: Request) -> Response:
        only = None if body.only_for_user is None else str(body.only_for_user)
        limiter.check("enrol", client=client_of(request), account=only)
        return _json(
            await lanes.write(
                lambda: _auth.enrol(db, settings, body.code, body.device_name, only, field_app=body.field_app)
            )
        )

    @route("POST", "/token/refresh", Credentials)
    async def refresh(body: RefreshRequest, request: Request) -> Response:
        limiter.check("refresh", client=client_of(request))

        def by_device(device_id: str) -> None:
            limiter.check("refresh", account=device_id)

        return _json(await lanes.write(lambda: _auth.refresh(db, settings, body.refresh_token, by_device)))

    @route("GET", "/me", DeviceInfo)
    async def me(who: Who) -> Response:
        now = settings.clock()
        info = DeviceInfo(
            device_id=uuid.UUID(who.device_id),
            user=who.info(),
            lease_expires_at=_auth.when(now + settings.lease_s),
            server_time=_auth.when(now),
        )
        return _json(info)

    @route("POST", "/sync", SyncResponse)
    async def sync(body: SyncRequest, who: Who) -> Response:
        results = (
            await lanes.write(lambda: _push.push(db, settings, who, list(body.mutations), body.cursor))
            if body.mutations
            else []
        )
        page = await lanes.read(lambda: _pull.pull(db, settings, who, body.cursor, body.pull_limit))
        metrics.count_outcomes(r.outcome for r in results)
        metrics.count_page(len(page.changes))
        lease = _auth.when(settings.clock() + settings.lease_s)
        return _raw_json(_pull.sync_body(results, page, lease))

    @route("POST", "/push", PushResponse)
    async def push(body: PushRequest, who: Who) -> Response:
        results = await lanes.write(lambda: _push.push(db, settings, who, list(body.mutations)))
        metrics.count_outcomes(r.outcome for r in results)
        return _json(PushResponse(results=results))

    @route("GET", "/pull", PullResponse)
    async def pull(who: Who, query: Annotated[PullQuery, Query()]) -> Response:
        page = await lanes.read(lambda: _pull.pull(db, settings, who, query.cursor, query.limit))
        metrics.count_page(len(page.changes))
        return _raw_json(_pull.pull_body(page))

    _attachments.add_routes(app, route)
    console.mount(app)
    if settings.forwarded_allow_ips:
        # Outermost, so added last (after the console's own middleware, which needs the scheme for HSTS): the client
        # address and scheme every layer sees (rate limits, audit, Secure cookies, HSTS) are the ones a trusted proxy
        # names; X-Forwarded-* from any other peer are ignored. uvicorn's own handling is off (hub._cli).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
