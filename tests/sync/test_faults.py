"""Acceptance: the real hub over real sockets, through a fault-injecting proxy. Sync converges; 0 lost, 0 duplicated."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from sync import EngineSettings, HubClient, Repository, SyncEngine, SyncState, enrol
from tests.support.faultproxy import FaultProxy
from tests.support.hubproc import HubProcess
from tests.support.synchelp import make_vault, new_case, new_note, pull_everything

pytestmark = pytest.mark.slow  # a real hub process and real sockets: several seconds per test

_names = (f"hv{i}" for i in itertools.count(100))
_open_clients: list[HubClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open_clients:
        _open_clients.pop().close()


@pytest.fixture(scope="module")
def hub() -> Iterator[HubProcess]:
    with HubProcess() as h:
        yield h


@pytest.fixture
def proxy(hub: HubProcess) -> Iterator[FaultProxy]:
    with FaultProxy(hub.port, seed=1) as p:
        yield p


class Device:
    def __init__(self, hub: HubProcess, proxy: FaultProxy, path: Path, **settings: object) -> None:
        self.vault = make_vault(path)
        self.repo = Repository(self.vault)
        self.client = HubClient(proxy.base_url, timeout=1.0)
        direct = HubClient(hub.base_url)
        try:
            enrol(self.vault, direct, hub.enrol_code(next(_names)), path.name)
        finally:
            direct.close()
        _open_clients.append(self.client)
        self.engine = SyncEngine(self.vault, self.client, settings=EngineSettings(**settings))  # type: ignore[arg-type]

    def sync_until_done(self, limit: int = 200) -> int:
        """Sync again and again (as the backoff loop would, without its waits) until the hub acknowledged all."""
        for attempt in range(1, limit + 1):
            status = self.engine.sync_once()
            if status.state == SyncState.IDLE and status.pending == 0:
                return attempt
        raise AssertionError(f"no convergence after {limit} syncs: {self.engine.status}")

    def local_records(self) -> dict[str, dict[str, object]]:
        with self.vault.read() as conn:
            rows = conn.execute("SELECT id, body, state, server_version FROM records").fetchall()
        return {str(r[0]): {"body": json.loads(r[1]), "state": r[2], "version": r[3]} for r in rows}


def _hub_view(hub: HubProcess, case_ids: set[str]) -> dict[str, object]:
    everything = pull_everything(hub.base_url, hub.enrol_code(next(_names), "hub_staff"))
    return {rid: c for rid, c in everything.items() if str(c.case_id) in case_ids}


def test_lost_response_is_answered_from_the_hubs_record(hub: HubProcess, proxy: FaultProxy, tmp_path: Path) -> None:
    dev = Device(hub, proxy, tmp_path / "d")
    case = dev.repo.save_record("case", new_case("Amy"))
    notes = [dev.repo.save_record("note", new_note(f"n{i}"), case_id=case.id) for i in range(3)]
    proxy.script("drop_response")  # the hub commits all four, the device never hears
    status = dev.engine.sync_once()
    assert status.state == SyncState.OFFLINE
    assert status.pending == 4  # nothing is claimed as sent
    proxy.script("pass")
    status = dev.engine.sync_once()
    assert status.state == SyncState.IDLE
    assert (status.pending, status.conflicts, status.rejected) == (0, 0, 0)
    view = _hub_view(hub, {str(case.id)})
    assert set(view) == {str(case.id), *(str(n.id) for n in notes)}
    dev.repo.save_record("case", {"school": "Hill"}, record_id=case.id)
    proxy.script("drop_response")
    dev.engine.sync_once()
    assert dev.sync_until_done() == 1
    view = _hub_view(hub, {str(case.id)})
    assert view[str(case.id)].version == 2  # type: ignore[attr-defined]
    assert dev.engine.status.conflicts == 0


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_faults_converge_with_nothing_lost_or_duplicated(
    hub: HubProcess, proxy: FaultProxy, tmp_path: Path, seed: int
) -> None:
    dev = Device(hub, proxy, tmp_path / "d", batch_max=4, pull_limit=7)
    proxy.set_random(0.35, seed)
    case = dev.repo.save_record("case", new_case("Amy"))
    edits = ["address", "school", "language", "key_worker", "gender"]
    for i in range(24):
        dev.repo.save_record("note", new_note(f"visit {i}"), case_id=case.id)
        if i % 3 == 0:
            dev.repo.save_record("case", {edits[i % 5]: f"value {i}"}, record_id=case.id)
        if i % 4 == 0:
            dev.engine.sync_once()
    proxy.set_random(0.35)
    dev.sync_until_done()
    local = dev.local_records()
    view = _hub_view(hub, {str(case.id)})
    assert set(view) == set(local)  # 0 lost, nothing extra
    for rid, change in view.items():
        assert change.fields == local[rid]["body"], rid  # type: ignore[attr-defined]
        assert local[rid]["state"] == "synced"
    texts = [c.fields["text"] for c in view.values() if c.record_type == "note"]  # type: ignore[attr-defined]
    assert sorted(texts) == sorted(f"visit {i}" for i in range(24))  # 0 duplicated
    assert dev.engine.status.conflicts == 0
    assert sum(proxy.actions.values()) > proxy.actions["pass"]  # faults really happened


def test_busy_hub_retry_after_is_honoured(hub: HubProcess, proxy: FaultProxy, tmp_path: Path) -> None:
    dev = Device(hub, proxy, tmp_path / "d")
    dev.repo.save_record("case", new_case())
    proxy.script("status:503:7")
    status = dev.engine.sync_once()
    assert status.state == SyncState.ERROR
    assert status.retry_in is not None
    assert status.retry_in >= 7
    assert status.last_error is not None
    assert "busy" in status.last_error
    assert dev.sync_until_done() == 1


def test_device_clock_a_year_off_changes_nothing(hub: HubProcess, proxy: FaultProxy, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    for skew in (timedelta(days=365), timedelta(days=-365)):
        dev = Device(hub, proxy, tmp_path / f"d{skew.days}")
        dev.engine._clock = lambda skew=skew: datetime.now(UTC) + skew  # type: ignore[misc]
        case = dev.repo.save_record("case", new_case())
        assert dev.engine.sync_once().state == SyncState.IDLE  # the first answer tells us the hub's time
        dev.repo.save_record("case", {"school": "Hill"}, record_id=case.id)
        status = dev.engine.sync_once()
        assert status.state == SyncState.IDLE  # not locked, not refreshing needlessly
        assert status.pending == 0
        hub_now = dev.engine.hub_now()
        assert abs((hub_now - datetime.now(UTC)).total_seconds()) < 5
        assert UUID(str(case.id))
