"""Attachments: chunked, resumable, verified by SHA-256 when complete, size-limited."""

from __future__ import annotations

import hashlib

import httpx

from protocol import ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENT_BYTES
from tests.hub.conftest import Device, Hub, new_case


def _setup(hub: Hub) -> tuple[Device, str]:
    device = hub.device("hv1")
    case = new_case()
    device.push(case)
    return device, case["case_id"]


def _put(device: Device, sha: str, index: int, data: bytes, size: int | None, case_id: str | None) -> httpx.Response:
    params: dict[str, str | int] = {}
    if size is not None:
        params["size"] = size
    if case_id is not None:
        params["case_id"] = case_id
    return device.client.put(
        f"/v1/attachments/{sha}/chunks/{index}", params=params, content=data, headers=device.headers
    )


def test_upload_resumes_with_the_missing_chunks_only(hub: Hub) -> None:
    device, case_id = _setup(hub)
    data = bytes(range(256)) * (ATTACHMENT_CHUNK_BYTES * 3 // 256) + b"tail"
    sha = hashlib.sha256(data).hexdigest()
    chunks = [data[i : i + ATTACHMENT_CHUNK_BYTES] for i in range(0, len(data), ATTACHMENT_CHUNK_BYTES)]
    assert len(chunks) == 4
    status = device.client.get(f"/v1/attachments/{sha}", headers=device.headers).json()
    assert status == {"sha256": sha, "size": None, "chunks_received": [], "complete": False}
    _put(device, sha, 2, chunks[2], len(data), case_id)
    _put(device, sha, 0, chunks[0], None, None)
    # ...the connection drops; on resume the device asks what the hub holds.
    status = device.client.get(f"/v1/attachments/{sha}", headers=device.headers).json()
    assert status["chunks_received"] == [0, 2]
    assert device.client.get(f"/v1/attachments/{sha}/content", headers=device.headers).status_code == 404
    _put(device, sha, 0, chunks[0], None, None)  # a repeated chunk is harmless
    for index in (1, 3):
        last = _put(device, sha, index, chunks[index], None, None)
    assert last.json()["complete"] is True
    got = device.client.get(f"/v1/attachments/{sha}/content", headers=device.headers)
    assert got.status_code == 200
    assert got.content == data


def test_content_that_does_not_match_its_hash_is_dropped(hub: Hub) -> None:
    device, case_id = _setup(hub)
    sha = hashlib.sha256(b"the real photo").hexdigest()
    response = _put(device, sha, 0, b"something else", 14, case_id)
    assert response.json() == {"sha256": sha, "size": None, "chunks_received": [], "complete": False}
    assert device.client.get(f"/v1/attachments/{sha}/content", headers=device.headers).status_code == 404


def test_wrong_chunk_sizes_and_indexes_are_refused(hub: Hub) -> None:
    device, case_id = _setup(hub)
    data = b"a" * (ATTACHMENT_CHUNK_BYTES + 5)
    sha = hashlib.sha256(data).hexdigest()
    short = _put(device, sha, 0, b"a" * 10, len(data), case_id)
    assert short.status_code == 422
    assert short.json()["code"] == "bad_request"
    assert _put(device, sha, 5, b"a" * 5, len(data), case_id).status_code == 422
    assert _put(device, sha, 1, b"a" * 5, len(data) + 1, case_id).status_code == 422
    no_size = _put(device, hashlib.sha256(b"z").hexdigest(), 0, b"z", None, case_id)
    assert no_size.status_code == 422


def test_size_limits(hub: Hub) -> None:
    device, case_id = _setup(hub)
    sha = "0" * 64
    too_big = _put(device, sha, 0, b"x", MAX_ATTACHMENT_BYTES + 1, case_id)
    assert too_big.status_code == 422
    oversized_chunk = _put(device, sha, 0, b"x" * (ATTACHMENT_CHUNK_BYTES + 1), 10**6, case_id)
    assert oversized_chunk.status_code == 413
    assert oversized_chunk.json()["code"] == "too_large"
    bad_name = device.client.get("/v1/attachments/NOT-A-HASH", headers=device.headers)
    assert bad_name.status_code == 422
