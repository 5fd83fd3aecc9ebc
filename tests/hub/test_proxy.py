"""Behind a reverse proxy: X-Forwarded-For/-Proto are believed only from the proxies named in the configuration
(``forwarded_allow_ips``), so rate limits and the audit see the real client; anyone else's headers change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from hub import Settings, create_app
from hub._ratelimit import Limit
from hub._tables import audit
from tests.hub._asgi import PortalTransport
from tests.hub.console.conftest import csrf_of

_PROXY = "10.0.0.5"
_LIMITS = {"enrol": Limit(per_client="3/minute", per_account="")}


def _app(tmp_path: Path, trusted: str) -> FastAPI:
    return create_app(Settings(db_url=f"sqlite:///{tmp_path / 'hub.sqlite3'}", rate_limits=_LIMITS, lane_threads=2,
                               forwarded_allow_ips=trusted))  # fmt: skip


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[FastAPI]:
    app = _app(tmp_path, _PROXY)
    yield app
    app.state.db.dispose()


@pytest.fixture
def trusting_no_one(tmp_path: Path) -> Iterator[FastAPI]:
    app = _app(tmp_path, "")
    yield app
    app.state.db.dispose()


def _enrol(app: FastAPI, peer: str, forwarded_for: str) -> int:
    transport = PortalTransport(app, client=(peer, 4000))
    with httpx.Client(transport=transport, base_url="http://hub") as client:
        answer = client.post("/v1/enrol", json={"code": "WRONG-CODE-0000", "device_name": "t"},
                             headers={"X-Forwarded-For": forwarded_for})  # fmt: skip
        return answer.status_code


def test_a_trusted_proxy_names_the_client_and_each_client_has_its_own_limit(behind_proxy: FastAPI) -> None:
    assert [_enrol(behind_proxy, _PROXY, "203.0.113.7") for _ in range(4)] == [401, 401, 401, 429]
    # Another client through the same proxy is not held back by the first.
    assert _enrol(behind_proxy, _PROXY, "203.0.113.8") == 401


def test_forwarded_headers_from_anyone_else_are_ignored(behind_proxy: FastAPI, trusting_no_one: FastAPI) -> None:
    # A client talking to the hub directly cannot dodge its limit by making up addresses...
    codes = [_enrol(behind_proxy, "198.51.100.9", f"203.0.113.{i}") for i in range(4)]
    assert codes == [401, 401, 401, 429]
    # ...and with no proxy configured, not even the proxy's own address is believed.
    codes = [_enrol(trusting_no_one, _PROXY, f"203.0.113.{i}") for i in range(4)]
    assert codes == [401, 401, 401, 429]


def _signin_clients(app: FastAPI, peer: str, forwarded_for: str) -> list[str]:
    transport = PortalTransport(app, client=(peer, 4000))
    # The console's cookies are Secure off loopback: the browser speaks HTTPS (to the proxy, which says so).
    headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"}
    with httpx.Client(transport=transport, base_url="https://hub", headers=headers) as client:
        token = csrf_of(client.get("/console/sign-in"))
        answer = client.post("/console/sign-in", data={"username": "nobody", "password": "wrong", "csrf_token": token})
        assert answer.status_code == 400, answer.text[:300]  # the page again, saying the password was wrong
    with app.state.db.read() as conn:
        details = conn.execute(sa.select(audit.c.detail).where(audit.c.action == "signin.password")).scalars()
        return [str(d) for d in details]


def test_the_audit_records_the_client_a_trusted_proxy_names(behind_proxy: FastAPI) -> None:
    assert any("203.0.113.7" in d for d in _signin_clients(behind_proxy, _PROXY, "203.0.113.7"))


def test_the_audit_records_the_peer_when_the_header_is_not_trusted(trusting_no_one: FastAPI) -> None:
    details = _signin_clients(trusting_no_one, "198.51.100.9", "203.0.113.7")
    assert details
    assert all("198.51.100.9" in d and "203.0.113.7" not in d for d in details)


def _hsts(app: FastAPI, peer: str) -> str | None:
    transport = PortalTransport(app, client=(peer, 4000))
    with httpx.Client(transport=transport, base_url="http://hub", headers={"X-Forwarded-Proto": "https"}) as client:
        page = client.get("/console/sign-in")
        assert page.status_code == 200
        return page.headers.get("strict-transport-security")


def test_the_console_sends_hsts_when_a_trusted_proxy_ended_tls(behind_proxy: FastAPI, trusting_no_one: FastAPI) -> None:
    assert _hsts(behind_proxy, _PROXY) == "max-age=31536000; includeSubDomains"
    assert _hsts(behind_proxy, "198.51.100.9") is None  # anyone else saying "https" over plain HTTP is not believed
    assert _hsts(trusting_no_one, _PROXY) is None
