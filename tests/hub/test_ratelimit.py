"""Unauthenticated attempts are limited per client address and per account: 429 with Retry-After, before any
database work or audit row."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from hub import Settings, create_app
from hub._errors import ApiError
from hub._ratelimit import Limit, RateLimiter
from hub._tables import audit
from sync import HubBusy, HubClient, HubRefused
from tests.hub._asgi import PortalTransport
from tests.hub.conftest import Clock, Hub

_LIMITS = {
    "enrol": Limit(per_client="5/minute", per_account="3/minute"),
    "refresh": Limit(per_client="6/minute", per_account="4/minute"),
}


@pytest.fixture
def limited_app(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'hub.sqlite3'}", rate_limits=_LIMITS, lane_threads=2))
    yield app
    app.state.db.dispose()


def _client(app: FastAPI, address: str) -> httpx.Client:
    return httpx.Client(transport=PortalTransport(app, client=(address, 4000)), base_url="http://hub")


def _bad_enrol(client: httpx.Client, only_for_user: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"code": "AAAA-BBBB-CCCC", "device_name": "tablet"}
    if only_for_user:
        body["only_for_user"] = only_for_user
    return client.post("/v1/enrol", json=body)


def _audit_rows(app: FastAPI) -> int:
    with app.state.db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one())


def test_wrong_enrolment_codes_from_one_address_are_cut_off_with_retry_after(hub: Hub, db_url: str) -> None:
    """The default limits, on both databases: 50 wrong codes in a row no longer all get tried (and audited)."""
    statuses = [_bad_enrol(hub.client).status_code for _ in range(50)]
    first_refused = statuses.index(429)
    assert statuses[:first_refused] == [401] * first_refused
    assert first_refused <= 20
    assert set(statuses[first_refused:]) == {429}
    answer = _bad_enrol(hub.client)
    assert answer.json()["code"] == "rate_limited"
    assert 1 <= int(answer.headers["retry-after"]) <= 60
    assert _audit_rows(hub.app) == first_refused  # a refused attempt costs no database write


def test_another_address_is_not_held_back_by_the_first(limited_app: FastAPI) -> None:
    with _client(limited_app, "10.0.0.1") as a, _client(limited_app, "10.0.0.2") as b:
        assert [_bad_enrol(a).status_code for _ in range(6)] == [401] * 5 + [429]
        assert _bad_enrol(b).status_code == 401


def test_one_account_is_limited_whatever_the_address(limited_app: FastAPI) -> None:
    user = str(uuid.uuid4())
    answers = []
    for n in range(4):
        with _client(limited_app, f"10.0.1.{n}") as c:
            answers.append(_bad_enrol(c, only_for_user=user).status_code)
    assert answers == [401, 401, 401, 429]


def test_refresh_is_limited_per_address_and_per_device(limited_app: FastAPI, clock: Clock) -> None:
    hub = Hub(limited_app, _client(limited_app, "10.0.2.1"))
    device = hub.device("hv1")
    token = device.creds["refresh_token"]
    # Many addresses, one device's token: the per-device limit holds (the first use rotates it, so later tries are
    # reuse and revoke the family: the point here is only that the fifth never reaches the database).
    statuses = []
    for n in range(5):
        with _client(limited_app, f"10.0.3.{n}") as c:
            statuses.append(c.post("/v1/token/refresh", json={"refresh_token": token}).status_code)
    assert statuses[-1] == 429
    assert 429 not in statuses[:-1]
    # One address, unknown tokens: the per-address limit.
    with _client(limited_app, "10.0.4.1") as c:
        tries = [c.post("/v1/token/refresh", json={"refresh_token": f"rt_guess{n:04d}"}) for n in range(7)]
    assert [t.status_code for t in tries] == [401] * 6 + [429]
    assert int(tries[-1].headers["retry-after"]) >= 1


def test_the_sync_client_reads_the_refusal_as_busy_with_its_retry_after(limited_app: FastAPI) -> None:
    hub_client = HubClient("http://127.0.0.1", transport=PortalTransport(limited_app, client=("10.0.5.1", 1)))
    for _ in range(5):
        with pytest.raises(HubRefused) as refused:
            hub_client.enrol("AAAA-BBBB-CCCC", "tablet")
        assert not isinstance(refused.value, HubBusy)
    with pytest.raises(HubBusy) as busy:
        hub_client.enrol("AAAA-BBBB-CCCC", "tablet")
    assert busy.value.retry_after is not None
    assert busy.value.retry_after >= 1


def test_the_limiter_is_reusable_for_other_actions() -> None:
    """The console's sign-in calls the same limiter with its own action name."""
    limiter = RateLimiter({"sign_in": Limit(per_client="", per_account="2/minute")})
    limiter.check("sign_in", client="10.0.0.9", account="staff1")
    limiter.check("sign_in", client="10.0.0.9", account="staff1")
    limiter.check("sign_in", client="10.0.0.9", account="staff2")
    with pytest.raises(ApiError, match="too many attempts"):
        limiter.check("sign_in", client="10.0.0.10", account="staff1")
    limiter.check("unlimited_action", client="10.0.0.9")  # an action without limits is never refused
