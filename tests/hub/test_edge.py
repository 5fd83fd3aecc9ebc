"""What the hub refuses at the edge, before anything is validated, hashed or stored: JSON that not every reader
reads the same (lone surrogates, NaN and Infinity, integers past 2**53, duplicate keys) is a 422 on every route,
and one cursor type with one bound is on every path that takes a cursor."""

from __future__ import annotations

import json
from typing import Any

import pytest

from protocol import MAX_SAFE_INT
from tests.hub.conftest import Device, Hub, mutation, new_case, new_referral

LONE = "\ud800"  # a lone high surrogate: a Python str holds it, UTF-8 cannot


def _post(device: Device, path: str, text: str) -> Any:
    """POST ``text`` as it is (json.dumps escapes a lone surrogate as \\ud800, which is valid ASCII)."""
    return device.client.post(
        path, content=text.encode(), headers={**device.headers, "content-type": "application/json"}
    )


def _assert_refused(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "bad_request"
    assert response.json()["details"]


def _bodies() -> dict[str, tuple[str, str]]:
    """A lone surrogate in every kind of place, each on a route that takes it: typed string fields, free-form
    values, keys, nested lists."""
    case = new_case()
    note = mutation("note", {"text": "x"}, case_id=case["case_id"])
    typed = {**case, "fields": {**case["fields"], "child_name": LONE}}
    free = {**note, "fields": {"text": "ok", "extra": [{"deep": LONE}]}}
    return {
        "enrol code": ("/v1/enrol", json.dumps({"code": "ABCDEF" + LONE, "device_name": "tablet"})),
        "enrol device name": ("/v1/enrol", json.dumps({"code": "ABCDEFGH", "device_name": LONE})),
        "refresh token": ("/v1/token/refresh", json.dumps({"refresh_token": "x" * 20 + LONE})),
        "a case's typed field (push)": ("/v1/push", json.dumps({"mutations": [typed]})),
        "a case's typed field (sync)": ("/v1/sync", json.dumps({"mutations": [typed]})),
        "a free-form value (push)": ("/v1/push", json.dumps({"mutations": [free]})),
        "a free-form value (sync)": ("/v1/sync", json.dumps({"mutations": [free]})),
        "a nested key": ("/v1/push", json.dumps({"mutations": [{**note, "fields": {"text": "ok", "x": {LONE: 1}}}]})),
        "a low surrogate alone": ("/v1/sync", json.dumps({"mutations": [{**note, "fields": {"text": "\udc00 x"}}]})),
    }


@pytest.mark.parametrize("what", list(_bodies()))
def test_a_lone_surrogate_anywhere_is_422(hub: Hub, what: str) -> None:
    device = hub.device("hv1")
    path, text = _bodies()[what]
    _assert_refused(_post(device, path, text))


def test_a_nul_character_is_422_even_where_a_valid_request_would_store_it(hub: Hub) -> None:
    """PostgreSQL's text columns cannot hold NUL: a device name with one was a 500 there."""
    from hub._admin import enrol_code

    hub.user("hv-nul", "health_visitor")
    code = enrol_code(hub.db, "hv-nul")
    body = json.dumps({"code": code, "device_name": "tab\u0000let"})
    response = hub.client.post("/v1/enrol", content=body.encode(), headers={"content-type": "application/json"})
    _assert_refused(response)
    fine = hub.client.post("/v1/enrol", json={"code": code, "device_name": "tablet"})
    assert fine.status_code == 200, fine.text  # the refused request did not spend the code


def test_a_batch_with_a_lone_surrogate_is_refused_and_the_rest_goes_through_alone(hub: Hub) -> None:
    """The sync client halves a refused batch until the bad mutation is alone: the others must then be applied."""
    device = hub.device("hv1")
    good, bad = new_case(), new_case({"child_name": "A" + LONE})
    _assert_refused(_post(device, "/v1/push", json.dumps({"mutations": [good, bad]})))
    [result] = device.push(good)
    assert result["outcome"] == "applied"
    _assert_refused(_post(device, "/v1/push", json.dumps({"mutations": [bad]})))


def test_a_surrogate_pair_is_one_character_and_accepted(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "Alex \ud83d\ude00"})
    response = _post(device, "/v1/push", json.dumps({"mutations": [case]}))  # escaped as \ud83d\ude00
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["outcome"] == "applied"
    device.pull_all()
    assert device.seen[case["record_id"]]["fields"]["child_name"] == "Alex \U0001f600"


@pytest.mark.parametrize(
    ("literal", "what"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e400", "a float that overflows")],
)
def test_non_finite_numbers_in_a_referral_are_422(hub: Hub, literal: str, what: str) -> None:
    device = hub.device("hv1")
    [created] = device.push(case := new_case())
    assert created["outcome"] == "applied"
    referral = new_referral(case["case_id"])
    referral["fields"]["document"]["score"] = "__HERE__"
    text = json.dumps({"mutations": [referral]}).replace('"__HERE__"', literal)
    _assert_refused(_post(device, "/v1/push", text))
    device.pull_all()
    assert referral["record_id"] not in device.seen, what


def test_integers_past_the_safe_range_and_duplicate_keys_are_422(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    for value in (MAX_SAFE_INT + 1, -(MAX_SAFE_INT + 1), 10**400):
        text = json.dumps({"mutations": [{**case, "fields": {**case["fields"], "size": "__N__"}}]})
        _assert_refused(_post(device, "/v1/push", text.replace('"__N__"', str(value))))
    text = json.dumps({"mutations": [case]})
    _assert_refused(_post(device, "/v1/push", text.replace('"child_name":', '"child_name": "Eve", "child_name":')))
    [result] = device.push(case)
    assert result["outcome"] == "applied"


def test_a_body_in_utf16_is_refused(hub: Hub) -> None:
    """JSON on the wire is UTF-8 (RFC 8259); Python's reader would guess UTF-16 from the bytes and accept it."""
    device = hub.device("hv1")
    body = json.dumps({"mutations": [], "cursor": 0}).encode("utf-16")
    response = device.client.post(
        "/v1/sync", content=body, headers={**device.headers, "content-type": "application/json"}
    )
    _assert_refused(response)


@pytest.mark.parametrize("cursor", [MAX_SAFE_INT + 1, 2**62, 2**63, 2**64, 2**70])
def test_one_cursor_bound_on_every_path(hub: Hub, cursor: int) -> None:
    device = hub.device("hv1")
    _assert_refused(device.sync(cursor=cursor))
    _assert_refused(device.client.get("/v1/pull", params={"cursor": cursor}, headers=device.headers))
    mut = {**new_case(), "base_version": cursor}
    _assert_refused(device.client.post("/v1/push", json={"mutations": [mut]}, headers=device.headers))


def test_the_largest_cursor_is_accepted_on_every_path(hub: Hub) -> None:
    device = hub.device("hv1")
    synced = device.sync(cursor=MAX_SAFE_INT)
    assert synced.status_code == 200, synced.text
    assert synced.json()["cursor"] == MAX_SAFE_INT
    pulled = device.client.get("/v1/pull", params={"cursor": MAX_SAFE_INT}, headers=device.headers)
    assert pulled.status_code == 200, pulled.text
    assert pulled.json()["changes"] == []


def _walk(node: Any, path: str = "") -> Any:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _request_schemas(doc: dict[str, Any]) -> set[str]:
    """Names of the component schemas a request can carry (bodies and parameters, followed through $refs)."""
    todo = [
        node["$ref"].rsplit("/", 1)[-1]
        for item in doc["paths"].values()
        for operation in item.values()
        for part in (operation.get("requestBody", {}), operation.get("parameters", []))
        for _, node in _walk(part)
        if "$ref" in node
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [n["$ref"].rsplit("/", 1)[-1] for _, n in _walk(doc["components"]["schemas"][name]) if "$ref" in n]
    return seen


def test_every_integer_and_every_request_string_in_the_api_is_bounded(hub: Hub) -> None:
    """Class-wide: a cursor, version, size, index or limit with no bound (or past 2**53) fails here."""
    doc = hub.client.get("/openapi.json").json()
    integers = [(p, n) for p, n in _walk(doc) if n.get("type") == "integer"]
    assert len(integers) >= 10
    unbounded = [p for p, n in integers if not ("minimum" in n and n.get("maximum", MAX_SAFE_INT + 1) <= MAX_SAFE_INT)]
    assert unbounded == []
    requests = _request_schemas(doc)
    assert {"SyncRequest", "Mutation", "EnrolRequest", "RefreshRequest", "PushRequest"} <= requests
    parts = [doc["components"]["schemas"][name] for name in requests]
    parts += [p for item in doc["paths"].values() for o in item.values() for p in o.get("parameters", [])]
    loose = [
        p
        for part in parts
        for p, n in _walk(part)
        if n.get("type") == "string" and not ({"maxLength", "pattern", "format", "enum", "const"} & set(n))
    ]
    assert loose == []


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/problem+json", "application/json; x=1"])
@pytest.mark.parametrize("fragment", ["NaN", '"\\ud800"', "1e400", str(2**64)])
def test_any_content_type_gets_the_same_refusal(hub: Hub, content_type: str | None, fragment: str) -> None:
    """Whichever way a body is declared, nothing that cannot be hashed reaches the push (FastAPI reads some of
    them as JSON, and hands others to pydantic, whose own JSON reader takes NaN)."""
    device = hub.device("hv1")
    case = new_case()
    body = json.dumps({"mutations": [{**case, "fields": {**case["fields"], "x": "__H__"}}]})
    headers = dict(device.headers) | ({"content-type": content_type} if content_type else {})
    response = device.client.post("/v1/push", content=body.replace('"__H__"', fragment).encode(), headers=headers)
    _assert_refused(response)


def test_every_route_reads_json_with_the_strict_reader(hub: Hub) -> None:
    """A route added later through its own APIRouter would keep FastAPI's lenient reader (NaN, lone surrogates):
    give that router ``route_class=StrictJsonRoute``."""
    from fastapi.routing import APIRoute

    from hub._strict_json import StrictJsonRoute

    routes = [r for r in hub.app.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 9
    assert [r.path for r in routes if not isinstance(r, StrictJsonRoute)] == []
