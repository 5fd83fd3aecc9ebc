"""Attachments belong to each case that names them: the same photograph in two caseworkers' cases, no blocking of a
hash in advance, and no content for anyone without a case that holds it."""

from __future__ import annotations

import hashlib

import httpx
import sqlalchemy as sa

from hub._admin import assign_case
from hub._tables import attachment_chunks
from protocol import ATTACHMENT_CHUNK_BYTES
from tests.hub.conftest import Device, Hub, new_case

PHOTO = bytes(range(256)) * (ATTACHMENT_CHUNK_BYTES // 256) + b"the rest of the bruise photograph"
SHA = hashlib.sha256(PHOTO).hexdigest()
PARTS = [PHOTO[i : i + ATTACHMENT_CHUNK_BYTES] for i in range(0, len(PHOTO), ATTACHMENT_CHUNK_BYTES)]
NEVER_SEEN = {"size": None, "chunks_received": [], "complete": False}


def _caseworker(hub: Hub, name: str) -> tuple[Device, str]:
    device = hub.device(name)
    case = new_case()
    assert device.push(case)[0]["outcome"] == "applied"
    return device, case["case_id"]


def _put(device: Device, index: int, data: bytes, case_id: str, size: int = len(PHOTO)) -> httpx.Response:
    return device.client.put(
        f"/v1/attachments/{SHA}/chunks/{index}",
        params={"size": size, "case_id": case_id},
        content=data,
        headers=device.headers,
    )


def _upload(device: Device, case_id: str) -> httpx.Response:
    for index, part in enumerate(PARTS):
        last = _put(device, index, part, case_id)
    return last


def _status(device: Device, case_id: str | None = None) -> dict[str, object]:
    params = {"case_id": case_id} if case_id else {}
    got = device.client.get(f"/v1/attachments/{SHA}", params=params, headers=device.headers)
    assert got.status_code == 200, got.text
    body: dict[str, object] = got.json()
    assert body.pop("sha256") == SHA
    return body


def _download(device: Device) -> httpx.Response:
    return device.client.get(f"/v1/attachments/{SHA}/content", headers=device.headers)


def test_the_same_photograph_can_be_attached_in_a_second_caseworkers_case(hub: Hub) -> None:
    first, case1 = _caseworker(hub, "hv1")
    second, case2 = _caseworker(hub, "hv2")
    assert _upload(first, case1).json()["complete"] is True
    assert _status(second, case2) == NEVER_SEEN  # nothing of the first case's link shows in the second case
    answer = _upload(second, case2)
    assert answer.status_code == 200, answer.text
    assert answer.json()["complete"] is True
    assert _download(first).content == PHOTO
    assert _download(second).content == PHOTO
    with hub.db.read() as conn:  # the content is kept once
        stored = conn.execute(sa.select(sa.func.count()).select_from(attachment_chunks)).scalar_one()
    assert stored == len(PARTS)


def test_nobody_can_block_a_hash_in_advance(hub: Hub) -> None:
    attacker, own_case = _caseworker(hub, "hv2")
    # Starts an upload under the photograph's hash, never finished: garbage, and a size of its own choosing.
    garbage = b"x" * ATTACHMENT_CHUNK_BYTES
    assert _put(attacker, 0, garbage, own_case, size=len(PHOTO) + 1).status_code == 200
    _, other_case = _caseworker(hub, "hv3")
    assert _put(attacker, 0, garbage, other_case).status_code == 403  # not a case of theirs
    victim, case1 = _caseworker(hub, "hv1")
    assert _status(victim, case1) == NEVER_SEEN
    assert _upload(victim, case1).json()["complete"] is True
    assert _download(victim).content == PHOTO
    assert _download(attacker).status_code == 404  # their own half-made link grants nothing


def test_knowing_the_hash_gives_no_access_to_the_content(hub: Hub) -> None:
    owner, case1 = _caseworker(hub, "hv1")
    _upload(owner, case1)
    outsider, own_case = _caseworker(hub, "hv2")
    nobody = hub.device("nurse1", role="school_nurse")
    for who in (outsider, nobody):
        assert _download(who).status_code == 404
        assert _status(who) == NEVER_SEEN
        assert _status(who, case1) == NEVER_SEEN  # naming the owner's case does not help
    # Claiming the hash for one's own case takes the whole content: a wrong upload ends in nothing.
    wrong = [b"y" * len(part) for part in PARTS]
    for index, part in enumerate(wrong):
        last = _put(outsider, index, part, own_case)
    assert last.json() == {"sha256": SHA, **NEVER_SEEN}
    assert _download(outsider).status_code == 404
    assert _download(owner).content == PHOTO  # and the owner's copy is untouched


def test_a_case_assigned_later_reaches_the_attachment_through_the_case(hub: Hub) -> None:
    owner, case1 = _caseworker(hub, "hv1")
    _upload(owner, case1)
    colleague = hub.device("hv2")
    assert _download(colleague).status_code == 404
    assign_case(hub.db, case1, "hv2")
    assert _download(colleague).content == PHOTO
