"""Prometheus metrics for ``GET /metrics``: requests and latency by route, push outcomes, pull pages, lane queues
and database pool use.

Each app has its own registry (tests build many apps in one process) and each hub process serves its own figures:
scrape every process (each listens on its own port behind the proxy), as docs/deployment.md says. Labels are route
templates and outcome words, never anything from a request's body or a path parameter's value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub._db import Database
from hub._lanes import Lanes

log = logging.getLogger("hub.requests")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Gauges(Collector):
    """Figures read when scraped: how many calls wait for each lane, and how many connections each pool lends."""

    def __init__(self, lanes: Lanes, db: Database) -> None:
        self._lanes, self._db = lanes, db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily("hub_lane_waiting", "Calls waiting for a thread of a lane", labels=["lane"])
        for lane, count in self._lanes.waiting().items():
            waiting.add_metric([lane], count)
        yield waiting
        pool = GaugeMetricFamily("hub_db_pool_checked_out", "Database connections in use", labels=["engine"])
        for engine, checked_out in self._db.pool_use().items():
            pool.add_metric([engine], checked_out)
        yield pool


class HubMetrics:
    def __init__(self, lanes: Lanes, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hub_requests", "Requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "hub_request_seconds", "Time to answer", ["method", "route"], buckets=_BUCKETS, registry=self.registry
        )
        self.push_outcomes = Counter(
            "hub_push_outcomes", "Mutations answered, by outcome", ["outcome"], registry=self.registry
        )
        self.pull_pages = Counter("hub_pull_pages", "Pull pages served", registry=self.registry)
        self.pull_changes = Counter("hub_pull_changes", "Records served in pull pages", registry=self.registry)
        self.registry.register(_Gauges(lanes, db))

    def count_outcomes(self, outcomes: Iterable[str]) -> None:
        for outcome in outcomes:
            self.push_outcomes.labels(outcome).inc()

    def count_page(self, changes: int) -> None:
        self.pull_pages.inc()
        self.pull_changes.inc(changes)

    def text(self) -> bytes:
        return generate_latest(self.registry)


def route_of(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The template of the route that serves ``scope`` (``/v1/attachments/{sha256}``), or "unmatched"."""
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


class MetricsMiddleware:
    """Counts every HTTP request by method, route template and status, and times it."""

    def __init__(self, app: ASGIApp, metrics: HubMetrics, routes: Sequence[BaseRoute]) -> None:
        self.app, self._metrics, self._routes = app, metrics, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            metrics, route, method = self._metrics, route_of(self._routes, scope), str(scope["method"])
            seconds = time.perf_counter() - started
            metrics.requests.labels(method, route, str(status)).inc()
            metrics.latency.labels(method, route).observe(seconds)
            # The operator's request line: the route's template, never its path (paths carry ids).
            extra = {"method": method, "route": route, "status": status, "ms": round(seconds * 1000, 1)}
            log.info("request", extra=extra)
