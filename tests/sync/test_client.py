"""The HTTP client on its own: URL rule, gzip, caps, error mapping, Retry-After, backoff, batch shrinking."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocol import Credentials, SyncRequest
from sync import (
    AccessEnded,
    BadAnswer,
    EngineSettings,
    HubBusy,
    HubClient,
    HubTimeout,
    HubUnreachable,
    InsecureHubURL,
    Repository,
    SyncEngine,
    SyncState,
    TokenExpired,
    TooLarge,
    Vault,
)
from sync._backoff import Backoff, parse_retry_after
from sync._client import check_hub_url
from sync._credentials import store_credentials
from tests.support.synchelp import make_vault, new_case, new_note, outbox

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, **kw: object) -> HubClient:
    return HubClient("http://127.0.0.1:9", transport=httpx.MockTransport(handler), **kw)  # type: ignore[arg-type]


def sync_answer(**kw: object) -> bytes:
    base: dict[str, object] = {
        "results": [],
        "changes": [],
        "cursor": 0,
        "more": False,
        "lease_expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    }
    return json.dumps({**base, **kw}).encode()


@pytest.mark.parametrize(
    "url", ["https://hub.example.org", "http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:8080/"]
)
def test_allowed_hub_urls(url: str) -> None:
    assert check_hub_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://hub.example.org", "http://10.0.0.5", "ftp://x", "hub.example.org", ""])
def test_refused_hub_urls(url: str) -> None:
    with pytest.raises(InsecureHubURL):
        check_hub_url(url)


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_full_jitter_grows_caps_and_honours_retry_after() -> None:
    backoff = Backoff(base=1.0, cap=30.0, rng=random.Random(3))
    delays = [backoff.next_delay() for _ in range(12)]
    assert all(0 <= d <= min(30.0, 2**i) for i, d in enumerate(delays))
    assert max(delays[6:]) > 4  # it really grows
    assert backoff.next_delay(retry_after=25) >= 25
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_request_bodies_are_gzipped_and_token_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=sync_answer())

    client = client_for(handler)
    big = SyncRequest(cursor=5)
    client.sync(big, "tok")
    assert seen[-1].headers["authorization"] == "Bearer tok"
    payload = json.loads(seen[-1].content if "content-encoding" not in seen[-1].headers else b"{}")
    assert payload.get("cursor", 5) == 5
    from protocol import Mutation

    mutation = Mutation.model_validate(
        {
            "mutation_id": "01890000-0000-7000-8000-000000000001",
            "record_id": "01890000-0000-7000-8000-000000000002",
            "record_type": "note",
            "case_id": "01890000-0000-7000-8000-000000000003",
            "base_version": 0,
            "fields": {"text": "x" * 2000},
        }
    )
    client.sync(SyncRequest(mutations=[mutation]), "tok")
    assert seen[-1].headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(seen[-1].content))["mutations"][0]["fields"]["text"] == "x" * 2000
    assert client.counters.requests == 2
    assert client.counters.bytes_sent > 0


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (401, {"code": "token_expired", "message": "expired"}, {}, TokenExpired),
        (403, {"code": "device_revoked", "message": "revoked"}, {}, AccessEnded),
        (401, {"code": "refresh_reused", "message": "reused"}, {}, AccessEnded),
        (413, {"code": "too_large", "message": "big"}, {}, TooLarge),
        (503, {"code": "unavailable", "message": "later"}, {"retry-after": "12"}, HubBusy),
        (500, None, {}, HubBusy),
    ],
)
def test_error_mapping(status: int, body: object, headers: dict[str, str], error: type[Exception]) -> None:
    content = json.dumps(body).encode() if body is not None else b"<html>oops</html>"
    client = client_for(lambda request: httpx.Response(status, content=content, headers=headers))
    with pytest.raises(error) as caught:
        client.sync(SyncRequest(), "tok")
    if isinstance(caught.value, AccessEnded):
        # Only a revoked device erases; a revoked token family means enrol again, keeping the data.
        assert caught.value.erase == (body == {"code": "device_revoked", "message": "revoked"})
        assert caught.value.enrol_again == (not caught.value.erase)
    if headers:
        assert getattr(caught.value, "retry_after", None) == 12.0


def test_answers_are_capped_and_validated() -> None:
    client = client_for(lambda request: httpx.Response(200, content=sync_answer() + b" " * 5000), max_answer_bytes=1000)
    with pytest.raises(BadAnswer):
        client.sync(SyncRequest(), "tok")
    client = client_for(lambda request: httpx.Response(200, content=b'{"results": []}'))
    with pytest.raises(BadAnswer):
        client.sync(SyncRequest(), "tok")
    bomb = gzip.compress(b" " * 2_000_000)  # small on the wire, large once inflated
    client = client_for(
        lambda request: httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"}),
        max_answer_bytes=100_000,
    )
    with pytest.raises(BadAnswer):
        client.sync(SyncRequest(), "tok")


def test_transport_failures_map_to_unreachable_and_timeout() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(HubUnreachable):
        client_for(refused).sync(SyncRequest(), "tok")
    with pytest.raises(HubTimeout):
        client_for(slow).sync(SyncRequest(), "tok")


ME = {
    "device_id": "01890000-0000-7000-8000-000000000009",
    "user": {
        "user_id": "01890000-0000-7000-8000-00000000000a",
        "username": "hv1",
        "display_name": "HV",
        "role": "health_visitor",
        "organisation": "Devon",
    },
}


def enrolled_vault(path: Path) -> Vault:
    vault = make_vault(path)
    creds = Credentials.model_validate(
        {
            **ME,
            "access_token": "a" * 20,
            "access_expires_at": (datetime.now(UTC) + timedelta(minutes=10)).isoformat(),
            "refresh_token": "r" * 20,
            "lease_expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        }
    )
    with vault.transaction() as conn:
        store_credentials(conn, "http://127.0.0.1:9", creds)
    return vault


def fake_hub(refuse: Callable[[list[dict[str, Any]]], None]) -> tuple[HubClient, list[int]]:
    """A scripted hub: ``refuse(mutations)`` may raise to fail the request; otherwise every mutation is applied."""
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/me"):
            lease = (datetime.now(UTC) + timedelta(days=7)).isoformat()
            return httpx.Response(
                200, json={**ME, "lease_expires_at": lease, "server_time": datetime.now(UTC).isoformat()}
            )
        raw = request.content
        body = json.loads(gzip.decompress(raw) if request.headers.get("content-encoding") == "gzip" else raw)
        sizes.append(len(body["mutations"]))
        try:
            refuse(body["mutations"])
        except httpx.ReadTimeout as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from None
        except ValueError:
            return httpx.Response(413, json={"code": "too_large", "message": "request too large"})
        results = [
            {"mutation_id": m["mutation_id"], "record_id": m["record_id"], "outcome": "applied", "version": 1}
            for m in body["mutations"]
        ]
        return httpx.Response(200, content=sync_answer(results=results))

    return client_for(handler), sizes


def test_timeouts_shrink_the_batch_down_to_what_gets_through(tmp_path: Path) -> None:
    """A link that times out on any request carrying more than 2 mutations: the engine halves until it passes."""
    vault = enrolled_vault(tmp_path / "v")
    repo = Repository(vault)
    case = repo.save_record("case", new_case())
    for i in range(7):
        repo.save_record("note", new_note(f"n{i}"), case_id=case.id)

    def slow_when_big(mutations: list[dict[str, Any]]) -> None:
        if len(mutations) > 2:
            raise httpx.ReadTimeout("too slow")

    client, sizes = fake_hub(slow_when_big)
    engine = SyncEngine(vault, client, settings=EngineSettings(batch_max=8, attachments=False))
    status = engine.sync_once()
    assert status.state == SyncState.IDLE
    assert status.pending == 0
    assert sizes[:3] == [8, 4, 2]  # halved after each timeout
    assert max(sizes[3:]) <= 2
    assert outbox(vault) == []


def test_one_mutation_the_hub_cannot_take_is_set_aside_and_the_rest_flows(tmp_path: Path) -> None:
    vault = enrolled_vault(tmp_path / "v")
    repo = Repository(vault)
    case = repo.save_record("case", new_case())
    notes = [repo.save_record("note", new_note("HUGE" if i == 3 else f"n{i}"), case_id=case.id) for i in range(6)]

    def too_large(mutations: list[dict[str, Any]]) -> None:
        if any(m["fields"].get("text") == "HUGE" for m in mutations):
            raise ValueError

    client, _ = fake_hub(too_large)
    status = SyncEngine(vault, client, settings=EngineSettings(attachments=False)).sync_once()
    assert status.state == SyncState.IDLE
    assert status.rejected == 1
    assert status.pending == 1  # only the refused one waits, for the user
    [left] = outbox(vault)
    assert left["record_id"] == str(notes[3].id)
    assert left["state"] == "held"
