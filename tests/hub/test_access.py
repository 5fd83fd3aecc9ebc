"""Access rules: every role against every endpoint; one practice never sees another's requests."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from hub._staff import create_request
from protocol import ATTACHMENT_CHUNK_BYTES
from tests.hub._records import info_request_fields, response_fields, stored_request
from tests.hub.conftest import Device, Hub, mutation, new_case

ROLES = ["health_visitor", "school_nurse", "gp", "hub_staff", "admin"]


@pytest.fixture
def world(hub: Hub) -> dict[str, Any]:
    """Two caseworkers with a case each, two GP practices with a request each, staff and an admin."""
    devices = {
        "hv1": hub.device("hv1"),
        "hv2": hub.device("hv2"),
        "nurse1": hub.device("nurse1", "school_nurse"),
        "gp1": hub.device("gp1", "gp", ods="A81001"),
        "gp2": hub.device("gp2", "gp", ods="B82002"),
        "staff1": hub.device("staff1", "hub_staff"),
        "admin1": hub.device("admin1", "admin"),
    }
    case1, case2 = new_case(), new_case()
    note1 = mutation("note", {"text": "hv1's note"}, case_id=case1["case_id"])
    devices["hv1"].push(case1, note1)
    devices["hv2"].push(case2)
    req1 = create_request(
        hub.db,
        practice_ods="A81001",
        child={"name": "C1"},
        adults=[],
        rag="red",
        questions=["q"],
        requested_by="staff1",
        case_id=case1["case_id"],
    )
    req2 = create_request(
        hub.db,
        practice_ods="B82002",
        child={"name": "C2"},
        adults=[],
        rag="green",
        questions=["q"],
        requested_by="staff1",
        case_id=case2["case_id"],
    )
    req1, req2 = stored_request(hub.db, req1["record_id"]), stored_request(hub.db, req2["record_id"])
    return {"devices": devices, "case1": case1, "case2": case2, "note1": note1, "req1": req1, "req2": req2}


def _ids(device: Device) -> set[str]:
    device.cursor = 0
    return {c["record_id"] for c in device.pull_all()}


def test_what_each_role_pulls(world: dict[str, Any]) -> None:
    d = world["devices"]
    case1, case2, note1 = world["case1"]["record_id"], world["case2"]["record_id"], world["note1"]["record_id"]
    req1, req2 = world["req1"]["record_id"], world["req2"]["record_id"]
    assert _ids(d["hv1"]) == {case1, note1}  # not the GP request on the case: Caldicott
    assert _ids(d["hv2"]) == {case2}
    assert _ids(d["nurse1"]) == set()
    assert _ids(d["gp1"]) == {req1}
    assert _ids(d["gp2"]) == {req2}
    everything = {case1, case2, note1, req1, req2}
    assert _ids(d["staff1"]) == everything
    assert _ids(d["admin1"]) == everything


def test_gp_answers_only_requests_to_their_practice(world: dict[str, Any]) -> None:
    d = world["devices"]
    req1, req2 = world["req1"], world["req2"]
    answer = mutation("response", response_fields(req1), case_id=req1["case_id"])
    [ok] = d["gp1"].push(answer)
    assert ok["outcome"] == "applied"
    assert ok["receipt"]["hub_reference"].startswith("MASH-")
    # gp2 tries to answer gp1's request: refused, and never sees it nor the answer.
    stolen = mutation("response", response_fields(req1), case_id=req1["case_id"])
    assert d["gp2"].push(stolen)[0]["outcome"] == "forbidden"
    assert _ids(d["gp2"]) == {req2["record_id"]}
    # The answer reaches gp1's practice and hub staff, not the health visitor of the case.
    assert answer["record_id"] in _ids(d["gp1"])
    assert answer["record_id"] in _ids(d["staff1"])
    assert answer["record_id"] not in _ids(d["hv1"])


def test_response_must_point_at_a_request_of_the_same_case(world: dict[str, Any]) -> None:
    d = world["devices"]
    req1 = world["req1"]
    nowhere = mutation(
        "response", response_fields({**req1, "record_id": world["case1"]["record_id"]}), case_id=req1["case_id"]
    )
    wrong_case = mutation("response", response_fields(req1), case_id=world["case2"]["case_id"])
    garbage = mutation("response", {**response_fields(req1), "request_id": "x"}, case_id=req1["case_id"])
    codes = [r["issues"][0]["code"] for r in d["gp1"].push(nowhere, wrong_case, garbage)]
    assert codes == ["unknown_request", "case_mismatch", "unknown_request"]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_write_what(hub: Hub, world: dict[str, Any], role: str) -> None:
    device = {"health_visitor": "hv1", "school_nurse": "nurse1", "gp": "gp1", "hub_staff": "staff1", "admin": "admin1"}[
        role
    ]
    dev: Device = world["devices"][device]
    case1 = world["case1"]["case_id"]
    attempts = {
        "own_new_case": new_case(),
        "note_on_case1": mutation("note", {"text": "x"}, case_id=case1),
        "info_request": mutation("info_request", {**info_request_fields(), "requested_by": device}, case_id=case1),
        "edit_case2": mutation("case", {"school": "x"}, record_id=world["case2"]["record_id"], base=1),
    }
    outcomes = {name: r["outcome"] for name, r in zip(attempts, dev.push(*attempts.values()), strict=True)}
    expected = {
        "health_visitor": {
            "own_new_case": "applied",
            "note_on_case1": "applied",
            "info_request": "forbidden",
            "edit_case2": "forbidden",
        },
        "school_nurse": {
            "own_new_case": "applied",
            "note_on_case1": "forbidden",
            "info_request": "forbidden",
            "edit_case2": "forbidden",
        },
        "gp": {
            "own_new_case": "forbidden",
            "note_on_case1": "forbidden",
            "info_request": "forbidden",
            "edit_case2": "forbidden",
        },
        "hub_staff": {
            "own_new_case": "applied",
            "note_on_case1": "applied",
            "info_request": "applied",
            "edit_case2": "applied",
        },
        "admin": {
            "own_new_case": "applied",
            "note_on_case1": "applied",
            "info_request": "applied",
            "edit_case2": "applied",
        },
    }[role]
    assert outcomes == expected


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role(hub: Hub, world: dict[str, Any], role: str) -> None:
    name = {"health_visitor": "hv1", "school_nurse": "nurse1", "gp": "gp1", "hub_staff": "staff1", "admin": "admin1"}[
        role
    ]
    dev: Device = world["devices"][name]
    c = dev.client
    assert c.get("/v1/me", headers=dev.headers).json()["user"]["role"] == role
    assert c.post("/v1/sync", json={}, headers=dev.headers).status_code == 200
    assert c.post("/v1/push", json={"mutations": []}, headers=dev.headers).status_code == 200
    assert c.get("/v1/pull", headers=dev.headers).status_code == 200
    # Attachments on hv1's case: the case's caseworker, the practice asked about it, and staff may; others not.
    data = b"photo of a bruise"
    sha = hashlib.sha256(data).hexdigest()
    put = c.put(
        f"/v1/attachments/{sha}/chunks/0",
        params={"size": len(data), "case_id": world["case1"]["case_id"]},
        content=data,
        headers=dev.headers,
    )
    allowed = role in ("health_visitor", "gp", "hub_staff", "admin")
    assert put.status_code == (200 if allowed else 403), put.text
    if allowed:
        assert put.json()["complete"] is True
        got = c.get(f"/v1/attachments/{sha}/content", headers=dev.headers)
        assert got.content == data
    for unauthenticated in (
        c.post("/v1/sync", json={}),
        c.get("/v1/pull"),
        c.get(f"/v1/attachments/{sha}"),
        c.put(f"/v1/attachments/{sha}/chunks/0", content=b"x"),
    ):
        assert unauthenticated.status_code == 401


def test_attachment_of_one_case_is_hidden_from_others(world: dict[str, Any]) -> None:
    d = world["devices"]
    data = b"x" * (ATTACHMENT_CHUNK_BYTES + 10)
    sha = hashlib.sha256(data).hexdigest()
    hv1 = d["hv1"]
    for index, part in enumerate((data[:ATTACHMENT_CHUNK_BYTES], data[ATTACHMENT_CHUNK_BYTES:])):
        response = hv1.client.put(
            f"/v1/attachments/{sha}/chunks/{index}",
            params={"size": len(data), "case_id": world["case1"]["case_id"]},
            content=part,
            headers=hv1.headers,
        )
        assert response.status_code == 200
    for outsider in ("hv2", "nurse1", "gp2"):
        dev = d[outsider]
        status = dev.client.get(f"/v1/attachments/{sha}", headers=dev.headers)
        assert status.json() == {"sha256": sha, "size": None, "chunks_received": [], "complete": False}  # as if unseen
        assert dev.client.get(f"/v1/attachments/{sha}/content", headers=dev.headers).status_code == 404
    staff = d["staff1"]
    assert staff.client.get(f"/v1/attachments/{sha}/content", headers=staff.headers).content == data


def test_unknown_paths_and_methods_answer_error_bodies(client: httpx.Client) -> None:
    assert client.get("/v1/nothing").json()["code"] == "not_found"
    assert client.get("/v1/sync").status_code == 405
