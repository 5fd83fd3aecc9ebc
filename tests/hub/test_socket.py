"""Over real sockets against the hub subprocess: exactly-once under concurrent replays and across a crash, and
seq-ordered pulls that miss nothing while two hub processes share one database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hub._db import Database
from hub._tables import mutations, records
from tests.hub.conftest import mutation, new_case, new_referral
from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def hubproc(db_url: str) -> Iterator[HubProcess]:
    with HubProcess(db_url) as proc:
        yield proc


def _enrol(proc: HubProcess, username: str, role: str = "health_visitor") -> dict[str, str]:
    code = proc.enrol_code(username, role)
    response = httpx.post(proc.base_url + "/v1/enrol", json={"code": code, "device_name": username})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _counts(db_url: str) -> tuple[int, int]:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as conn:
            n_records = conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one()
            n_mutations = conn.execute(sa.select(sa.func.count()).select_from(mutations)).scalar_one()
        return int(n_records), int(n_mutations)
    finally:
        db.dispose()


def _batch() -> list[dict[str, Any]]:
    case = new_case()
    notes = [mutation("note", {"text": f"note {i}"}, case_id=case["case_id"]) for i in range(10)]
    referral = new_referral(case["case_id"])
    return [case, *notes, referral]


def test_concurrent_replays_apply_once(hubproc: HubProcess, db_url: str) -> None:
    headers = _enrol(hubproc, "hv1")
    batch = _batch()

    def push(_: int) -> list[dict[str, Any]]:
        with httpx.Client(base_url=hubproc.base_url, headers=headers, timeout=30) as client:
            response = client.post("/v1/push", json={"mutations": batch})
            assert response.status_code == 200, response.text
            results: list[dict[str, Any]] = response.json()["results"]
            return results

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(push, range(8)))
    assert all(answer == answers[0] for answer in answers)
    assert [r["outcome"] for r in answers[0]] == ["applied"] * len(batch)
    assert _counts(db_url) == (len(batch), len(batch))


def test_replay_after_a_crash_returns_the_stored_answer(hubproc: HubProcess, db_url: str) -> None:
    headers = _enrol(hubproc, "hv1")
    batch = _batch()
    first = httpx.post(hubproc.base_url + "/v1/push", json={"mutations": batch}, headers=headers).json()["results"]
    hubproc.kill()  # the device never saw the answer; the hub dies
    hubproc.start()
    again = httpx.post(hubproc.base_url + "/v1/push", json={"mutations": batch}, headers=headers).json()["results"]
    assert again == first
    assert _counts(db_url) == (len(batch), len(batch))
    forged = {**batch[0], "fields": {"child_name": "changed", "nhs_number_not_known": True}}
    [refused] = httpx.post(hubproc.base_url + "/v1/push", json={"mutations": [forged]}, headers=headers).json()[
        "results"
    ]
    assert refused["issues"][0]["code"] == "mutation_reused"


def test_two_hub_processes_one_database_pulls_miss_nothing(hubproc: HubProcess, db_url: str) -> None:
    writers = [_enrol(hubproc, f"staff{i}", "hub_staff") for i in range(4)]
    reader = _enrol(hubproc, "reader", "hub_staff")
    with HubProcess(db_url) as second:
        urls = [hubproc.base_url, second.base_url]
        made: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def write(i: int) -> None:
            with httpx.Client(base_url=urls[i % 2], headers=writers[i], timeout=30) as client:
                for _ in range(15):
                    cases = [new_case() for _ in range(3)]
                    results = client.post("/v1/push", json={"mutations": cases}).json()["results"]
                    assert [r["outcome"] for r in results] == ["applied"] * 3
                    with lock:
                        made.extend(c["record_id"] for c in cases)

        seen: set[str] = set()
        cursor = 0

        def read_page(client: httpx.Client) -> bool:
            nonlocal cursor
            page = client.get("/v1/pull", params={"cursor": cursor, "limit": 7}).json()
            seen.update(c["record_id"] for c in page["changes"])
            cursor = page["cursor"]
            return bool(page["more"])

        def read() -> None:
            with httpx.Client(base_url=urls[1], headers=reader, timeout=30) as client:
                while not stop.is_set():
                    read_page(client)

        reader_thread = threading.Thread(target=read)
        reader_thread.start()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(write, range(4)))
        stop.set()
        reader_thread.join(timeout=60)
        with httpx.Client(base_url=urls[0], headers=reader, timeout=30) as client:
            while read_page(client):
                pass
    assert len(made) == 4 * 15 * 3
    assert set(made) <= seen  # every change reached the reader, though it pulled while they were committing
    assert uuid.UUID(made[0])
