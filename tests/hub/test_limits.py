"""Limits and malformed input: clear ErrorBody answers, never a 500; gzip both ways; small idle syncs."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest

from protocol import MAX_BATCH_MUTATIONS, MAX_BODY_BYTES
from tests.hub.conftest import Hub, mutation, new_case


def test_body_over_the_limit_is_413(hub: Hub) -> None:
    device = hub.device("hv1")
    big = b'{"mutations": [], "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = device.client.post(
        "/v1/sync", content=big, headers={**device.headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_gzip_bomb_stops_at_the_limit(hub: Hub) -> None:
    device = hub.device("hv1")
    bomb = gzip.compress(b" " * (MAX_BODY_BYTES + 1024))
    assert len(bomb) < 100_000
    response = device.client.post(
        "/v1/sync",
        content=bomb,
        headers={**device.headers, "content-encoding": "gzip", "content-type": "application/json"},
    )
    assert response.status_code == 413
    broken = device.client.post("/v1/sync", content=b"not gzip", headers={**device.headers, "content-encoding": "gzip"})
    assert broken.status_code == 400
    assert broken.json()["code"] == "bad_request"


def test_gzip_request_and_response(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "A", "disability_sen": "long text " * 500})
    body = gzip.compress(json.dumps({"mutations": [case]}).encode())
    response = device.client.post(
        "/v1/sync",
        content=body,
        headers={
            **device.headers,
            "content-encoding": "gzip",
            "content-type": "application/json",
            "accept-encoding": "gzip",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["results"][0]["outcome"] == "applied"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"{not json", "malformed"),
        (b"[]", "wrong type"),
        (b'{"mutations": [{"mutation_id": "x"}]}', "missing fields"),
        (b'{"mutations": [], "cursor": -1}', "negative cursor"),
        (b'{"mutations": [], "extra": 1}', "unknown field"),
        (b'{"mutations": [], "pull_limit": 100000}', "limit too high"),
        ('{"mutations": [], "cursor": "\udcff"}'.encode("utf-8", "surrogatepass"), "bad utf-8"),
    ],
)
def test_malformed_requests_are_422_with_details(hub: Hub, body: bytes, what: str) -> None:
    device = hub.device("hv1")
    response = device.client.post(
        "/v1/sync", content=body, headers={**device.headers, "content-type": "application/json"}
    )
    assert response.status_code == 422, what
    assert response.json()["code"] == "bad_request"
    assert response.json()["details"], what


def test_batch_and_field_limits(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    too_many = [mutation("note", {"t": "x"}, case_id=case["case_id"]) for _ in range(MAX_BATCH_MUTATIONS + 1)]
    response = device.client.post("/v1/push", json={"mutations": too_many}, headers=device.headers)
    assert response.status_code == 422
    bad_name = mutation("note", {"Bad-Name": 1}, case_id=case["case_id"])
    assert device.client.post("/v1/push", json={"mutations": [bad_name]}, headers=device.headers).status_code == 422
    deep: object = "x"
    for _ in range(20):
        deep = {"d": deep}
    [result] = device.push(mutation("case", {"nested": deep}, record_id=str(uuid.uuid4())))
    assert result["outcome"] == "rejected"
    assert result["issues"][0]["code"] == "too_deep"


def test_idle_sync_is_one_small_round_trip(hub: Hub) -> None:
    device = hub.device("hv1")
    device.push(new_case())
    device.pull_all()
    request_body = json.dumps({"cursor": device.cursor}).encode()
    response = device.client.post(
        "/v1/sync", content=request_body, headers={**device.headers, "content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["changes"] == []
    # Bytes on the wire both ways: request line, headers and body; status line, headers and body.
    sent = len(request_body) + sum(len(k) + len(v) + 4 for k, v in response.request.headers.raw) + 40
    received = len(response.content) + sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 20
    assert sent + received <= 2048, (sent, received)


def test_pull_query_parameters_are_validated(hub: Hub) -> None:
    device = hub.device("hv1")
    for params in ({"cursor": "-1"}, {"limit": "0"}, {"limit": "999999"}, {"cursor": "abc"}):
        response = device.client.get("/v1/pull", params=params, headers=device.headers)
        assert response.status_code == 422, params
        assert response.json()["code"] == "bad_request"


def test_openapi_lists_the_protocol_paths(client: httpx.Client) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert paths == {
        "/v1/enrol", "/v1/token/refresh", "/v1/sync", "/v1/push", "/v1/pull", "/v1/me",
        "/v1/attachments/{sha256}", "/v1/attachments/{sha256}/chunks/{index}", "/v1/attachments/{sha256}/content",
    }  # fmt: skip
