"""The sync engine against the real hub app in-process: push, pull, conflicts, tokens, revocation, lease, status."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from protocol import SyncResponse
from sync import EngineSettings, HubClient, Repository, SyncEngine, SyncState, SyncStatus, VaultLocked, enrol
from tests.support.synchelp import InProcessHub, make_vault, new_case, new_note, outbox, record_row


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


class Device:
    def __init__(self, hub: InProcessHub, path: Path, username: str = "hv1", **settings: object) -> None:
        self.vault = make_vault(path)
        self.repo = Repository(self.vault)
        self.client = HubClient("http://127.0.0.1", http=hub.http())
        enrol(self.vault, self.client, hub.enrol_code(username), path.name)
        self.engine = SyncEngine(self.vault, self.client, settings=EngineSettings(**settings))  # type: ignore[arg-type]

    def sync(self) -> SyncStatus:
        return self.engine.sync_once()


def test_push_then_pull_on_another_device(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    b = Device(hub, tmp_path / "b")
    case = a.repo.save_record("case", new_case("Amy"))
    note = a.repo.save_record("note", new_note("visited, all well"), case_id=case.id)
    seen: list[SyncStatus] = []
    a.engine.subscribe(seen.append)
    status = a.sync()
    assert status.state == SyncState.IDLE, status.last_error
    assert status.pending == 0
    assert status.last_success is not None
    assert SyncState.SYNCING in {s.state for s in seen}
    assert record_row(a.vault, note.id)["state"] == "synced"
    assert b.sync().state == SyncState.IDLE
    assert json.loads(record_row(b.vault, case.id)["body"])["child_name"] == "Amy"
    assert [h.record_id for h in b.repo.search("visited")] == [note.id]


def test_disjoint_edits_merge_and_same_field_clash_reaches_the_user(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    b = Device(hub, tmp_path / "b")
    case = a.repo.save_record("case", new_case("Amy"))
    a.sync()
    b.sync()
    a.repo.save_record("case", {"school": "Hill Primary", "language": "Polish"}, record_id=case.id)
    b.repo.save_record("case", {"address": "1 Lane", "language": "Welsh"}, record_id=case.id)
    assert a.sync().state == SyncState.IDLE
    status = b.sync()
    assert status.conflicts == 1
    [conflict] = b.engine.replica.list_conflicts()
    assert [(c.field, c.mine, c.theirs) for c in conflict.fields] == [("language", "Welsh", "Polish")]
    assert b.engine.replica.resolve_conflict(conflict.id, {"language": "mine"}) == []
    assert b.sync().state == SyncState.IDLE
    a.sync()
    for dev in (a, b):
        body = json.loads(record_row(dev.vault, case.id)["body"])
        assert (body["school"], body["address"], body["language"]) == ("Hill Primary", "1 Lane", "Welsh")
        assert record_row(dev.vault, case.id)["state"] == "synced"


def test_rejected_mutation_is_held_and_the_rest_flows(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    good = a.repo.save_record("case", new_case("Amy"))
    bad = a.repo.save_record("case", {**new_case("Bo"), "address": "x" * 100_001})  # over the hub's limit
    status = a.sync()
    assert status.rejected == 1
    assert status.pending == 1
    assert record_row(a.vault, good.id)["state"] == "synced"
    [rejection] = a.engine.replica.list_rejections()
    assert rejection.record_id == str(bad.id)
    assert rejection.issues
    a.engine.replica.discard_rejection(rejection.id)
    assert a.engine.refresh_status().rejected == 0


def test_many_records_in_batches(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a", batch_max=7, pull_limit=5)
    b = Device(hub, tmp_path / "b", pull_limit=5)
    case = a.repo.save_record("case", new_case())
    for i in range(30):
        a.repo.save_record("note", new_note(f"note {i}"), case_id=case.id)
    assert a.sync().pending == 0
    assert a.client.counters.requests >= 5
    b.sync()
    with b.vault.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM records WHERE type = 'note'").fetchone()[0] == 30


def test_expired_token_is_refreshed_once(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    assert a.sync().state == SyncState.IDLE
    before = a.vault.meta_get("sync.access_token")
    hub.shift = 3600.0  # the access token (10 min) has expired at the hub; the refresh token has not
    a.repo.save_record("case", new_case())
    status = a.sync()
    assert status.state == SyncState.IDLE
    assert status.pending == 0
    assert a.vault.meta_get("sync.access_token") != before


def test_revoked_device_erases_its_key(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    a.repo.save_record("case", new_case())
    assert a.sync().state == SyncState.IDLE
    hub.revoke(str(a.vault.meta_get("sync.device_id")))
    status = a.sync()
    assert status.state == SyncState.REVOKED
    assert a.vault.is_erased
    with pytest.raises(VaultLocked):  # erased: no key, nothing to unlock
        a.repo.list_records()


def _offline(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no route", request=request)


def test_offline_then_back_and_lease_expiry_locks_until_check_in(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    assert a.sync().state == SyncState.IDLE
    online = a.engine._client
    a.engine._client = HubClient("http://127.0.0.1", transport=httpx.MockTransport(_offline))
    a.repo.save_record("case", new_case())
    status = a.sync()
    assert status.state == SyncState.OFFLINE
    assert status.pending == 1
    assert status.last_error
    assert status.retry_in is not None
    a.engine._clock = lambda: datetime.now(UTC) + timedelta(days=8)  # past the 7-day lease, still offline
    assert a.sync().state == SyncState.LOCKED
    a.engine._client = online
    a.engine._clock = lambda: datetime.now(UTC)
    status = a.sync()
    assert status.state == SyncState.IDLE
    assert status.pending == 0


def test_background_thread_syncs_on_change_and_stops(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a", interval_s=3600.0)
    a.engine.start()
    try:
        a.repo.save_record("case", new_case())
        a.engine.notify_changed()
        status = a.engine.sync_now(timeout=30)
        assert status.state == SyncState.IDLE
        assert status.pending == 0
    finally:
        a.engine.stop(timeout=10)
    assert a.engine._thread is None


def _scripted(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers=headers or {}))


GOOD = SyncResponse(
    results=[], changes=[], cursor=0, more=False, lease_expires_at=datetime.now(UTC) + timedelta(days=1)
).model_dump_json()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"\x00\xffnot json at all", "cannot read"),
        (GOOD.encode()[:20], "cannot read"),  # truncated
        (b'{"results": "many", "cursor": -1}', "cannot read"),  # wrong schema
        (
            b'{"results": [], "changes": [], "cursor": 0, "more": false, "lease_expires_at": "2030-01-01T00:00:00Z",'
            b' "padding": "' + b"x" * 300_000 + b'"}',
            "cannot read",
        ),  # oversized
        (b"<html>502 Bad Gateway</html>", "busy"),
    ],
)
def test_bad_answers_change_nothing(hub: InProcessHub, tmp_path: Path, body: bytes, expected: str) -> None:
    a = Device(hub, tmp_path / "a")
    case = a.repo.save_record("case", new_case())
    before_record = record_row(a.vault, case.id)
    before_fields = [(r["mutation_id"], r["fields"], r["state"]) for r in outbox(a.vault)]
    status_code = 502 if b"502" in body else 200
    a.engine._client = HubClient("http://127.0.0.1", transport=_scripted(body, status_code), max_answer_bytes=100_000)
    status = a.sync()
    assert status.state == SyncState.ERROR
    assert status.last_error is not None
    assert expected in status.last_error
    assert record_row(a.vault, case.id) == before_record
    assert [(r["mutation_id"], r["fields"], r["state"]) for r in outbox(a.vault)] == before_fields


class Switch(httpx.BaseTransport):
    """A link that can be cut and restored."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.online = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.online:
            raise httpx.ConnectError("cable pulled", request=request)
        return self.inner.handle_request(request)


def test_background_sync_resumes_when_the_hub_is_back(hub: InProcessHub, tmp_path: Path) -> None:
    import time

    from tests.support.synchelp import SyncASGITransport

    a = Device(hub, tmp_path / "a")
    switch = Switch(SyncASGITransport(hub.app))
    a.engine._client = HubClient("http://127.0.0.1", http=httpx.Client(transport=switch, base_url="http://127.0.0.1"))
    a.engine.settings = EngineSettings(interval_s=3600.0, backoff_base_s=0.05, backoff_cap_s=0.2)
    a.engine._backoff.base, a.engine._backoff.cap = 0.05, 0.2
    states: list[SyncState] = []
    a.engine.subscribe(lambda s: states.append(s.state))
    switch.online = False
    a.repo.save_record("case", new_case())
    a.engine.start()
    try:
        deadline = time.monotonic() + 20
        while SyncState.OFFLINE not in states and time.monotonic() < deadline:
            time.sleep(0.01)  # polling for the condition
        assert a.engine.status.pending == 1
        switch.online = True  # no notify: the backoff timer alone must bring it back
        while not (a.engine.status.state == SyncState.IDLE and a.engine.status.pending == 0):
            assert time.monotonic() < deadline, a.engine.status
            time.sleep(0.01)
    finally:
        a.engine.stop(timeout=10)
    assert SyncState.OFFLINE in states


def test_sync_now_returns_promptly_once_the_loop_ended_on_revocation(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a", interval_s=3600.0)
    a.engine.start()
    try:
        assert a.engine.sync_now(timeout=30).state == SyncState.IDLE
        hub.revoke(str(a.vault.meta_get("sync.device_id")))
        started = time.monotonic()
        assert a.engine.sync_now(timeout=60).state == SyncState.REVOKED
        thread = a.engine._thread
        assert thread is not None
        thread.join(10)
        assert not thread.is_alive()  # the loop ended on its own, without stop()
        # Asked again after the loop ended: no run will come, so the answer is immediate, not the 60 s timeout.
        assert a.engine.sync_now(timeout=60).state == SyncState.REVOKED
        assert time.monotonic() - started < 15
    finally:
        a.engine.stop(timeout=10)
    assert a.vault.is_erased
