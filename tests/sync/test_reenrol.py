"""A cancelled sign-in keeps the work: ``refresh_reused`` drops the tokens (never the vault), the user enrols again
and the outbox goes out exactly once; another user cannot take over a vault holding unsynced work; a lost refresh
answer over a real socket is harmless."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub._tables import access_tokens, mutations, records
from sync import (
    ENROL_AGAIN_MESSAGE,
    HubClient,
    OtherUsersWork,
    Repository,
    SyncEngine,
    SyncState,
    TokenExpired,
    Vault,
    enrol,
    load_credentials,
)
from sync._credentials import load_cursor
from tests.support.faultproxy import FaultProxy
from tests.support.hubproc import HubProcess
from tests.support.synchelp import InProcessHub, make_vault, new_case, new_note, outbox, pull_everything


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


class Device:
    def __init__(self, hub: InProcessHub, path: Path, username: str = "hv1", code: str | None = None) -> None:
        self.hub = hub
        self.vault = make_vault(path)
        self.repo = Repository(self.vault)
        self.client = HubClient("http://127.0.0.1", http=hub.http())
        enrol(self.vault, self.client, code or hub.enrol_code(username), path.name)
        self.engine = SyncEngine(self.vault, self.client)

    def burn_sign_in(self) -> None:
        """A copy of the refresh token is used elsewhere, and the retry window passes: the hub revokes the family."""
        stolen = self.vault.meta_get("sync.refresh_token")
        assert stolen is not None
        HubClient("http://127.0.0.1", http=self.hub.http()).refresh(stolen)
        self.hub.shift += 3600.0  # the device's access token has expired too, so its next sync must refresh

    def outbox_rows(self) -> list[tuple[str, str, str]]:
        return [(r["mutation_id"], r["fields"], r["state"]) for r in outbox(self.vault)]


def _hub_mutation_counts(hub: InProcessHub, ids: list[str]) -> dict[str, int]:
    with hub.db.read() as conn:
        found = conn.execute(sa.select(mutations.c.mutation_id).where(mutations.c.mutation_id.in_(ids))).scalars()
        counts = dict.fromkeys(ids, 0)
        for mutation_id in found:
            counts[mutation_id] += 1
    return counts


def _hub_record_ids(hub: InProcessHub) -> set[str]:
    with hub.db.read() as conn:
        return {str(r) for r in conn.execute(sa.select(records.c.record_id)).scalars()}


def test_refresh_reused_keeps_the_vault_and_asks_to_enrol_again(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    case = a.repo.save_record("case", new_case("Amy"))
    assert a.engine.sync_once().state == SyncState.IDLE
    note = a.repo.save_record("note", new_note("visited, all well"), case_id=case.id)
    before = a.outbox_rows()
    a.burn_sign_in()
    status = a.engine.sync_once()
    assert status.state == SyncState.ENROL_AGAIN
    assert status.last_error == ENROL_AGAIN_MESSAGE
    assert status.pending == 1
    assert not a.vault.is_erased
    assert a.vault.is_unlocked
    assert {r.id for r in a.repo.list_records()} == {case.id, note.id}
    assert a.outbox_rows() == before
    with a.vault.read() as conn:
        assert load_credentials(conn) is None  # the dead tokens are gone
    # Until enrolment nothing is sent, and the state stays (no erase, no hub traffic).
    requests = a.client.counters.requests
    assert a.engine.sync_once().state == SyncState.ENROL_AGAIN
    assert a.client.counters.requests == requests
    # The same user enrols again with a new code: the pending note goes out, once.
    enrol(a.vault, a.client, hub.enrol_code("hv1"), "a again")
    status = a.engine.sync_once()
    assert status.state == SyncState.IDLE, status.last_error
    assert (status.pending, status.last_error) == (0, None)
    assert _hub_mutation_counts(hub, [m for m, _, _ in before]) == {m: 1 for m, _, _ in before}
    assert {str(case.id), str(note.id)} <= _hub_record_ids(hub)
    assert a.engine.sync_once().pending == 0


def _wait_for(condition: Callable[[], bool], engine: SyncEngine, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, engine.status
        time.sleep(0.01)  # polling for the condition


def test_the_background_loop_waits_for_enrolment_then_carries_on(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    a.engine._backoff.base, a.engine._backoff.cap = 0.02, 0.05
    a.repo.save_record("case", new_case("Amy"))
    a.burn_sign_in()
    a.engine.start()
    try:
        _wait_for(lambda: a.engine.status.state == SyncState.ENROL_AGAIN, a.engine)
        assert a.engine._thread is not None  # still running: it waits for enrolment rather than giving up
        enrol(a.vault, a.client, hub.enrol_code("hv1"), "a again")
        a.engine.notify_changed()
        _wait_for(lambda: a.engine.status.state == SyncState.IDLE and a.engine.status.pending == 0, a.engine)
    finally:
        a.engine.stop(timeout=10)
    assert not a.vault.is_erased


def test_another_user_cannot_enrol_a_vault_with_unsynced_work(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    a.repo.save_record("case", new_case("Amy"))
    a.burn_sign_in()
    assert a.engine.sync_once().state == SyncState.ENROL_AGAIN
    before = a.outbox_rows()
    code = hub.enrol_code("hv2")
    with pytest.raises(OtherUsersWork, match=r"by hv1 .*The code entered was not used"):
        enrol(a.vault, a.client, code, "taken over")
    with a.vault.read() as conn:
        assert load_credentials(conn) is None
    assert a.outbox_rows() == before
    b = Device(hub, tmp_path / "b", code=code)  # the hub did not spend hv2's code on the refused device
    assert b.engine.sync_once().state == SyncState.IDLE
    assert a.engine.sync_once().state == SyncState.ENROL_AGAIN
    enrol(a.vault, a.client, hub.enrol_code("hv1"), "a again")
    assert a.engine.sync_once().pending == 0


def test_another_user_may_enrol_a_vault_with_nothing_unsynced_and_pulls_from_the_start(
    hub: InProcessHub, tmp_path: Path
) -> None:
    a = Device(hub, tmp_path / "a")
    a.repo.save_record("case", new_case("Amy"))
    assert a.engine.sync_once().pending == 0
    with a.vault.read() as conn:
        assert load_cursor(conn) > 0
    a.burn_sign_in()
    assert a.engine.sync_once().state == SyncState.ENROL_AGAIN
    creds = enrol(a.vault, a.client, hub.enrol_code("hv2"), "handed over")
    assert creds.user.username == "hv2"
    with a.vault.read() as conn:
        assert load_cursor(conn) == 0  # what hv2 may see differs: pull everything again
    assert a.engine.sync_once().state == SyncState.IDLE


def test_an_access_token_the_hub_no_longer_knows_is_renewed_by_a_refresh(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    with hub.db.write() as conn:
        conn.execute(sa.delete(access_tokens))
    a.repo.save_record("case", new_case("Amy"))
    status = a.engine.sync_once()
    assert (status.state, status.pending) == (SyncState.IDLE, 0), status.last_error


def test_revoked_device_still_erases(hub: InProcessHub, tmp_path: Path) -> None:
    a = Device(hub, tmp_path / "a")
    a.burn_sign_in()
    hub.revoke(str(a.vault.meta_get("sync.device_id")))
    assert a.engine.sync_once().state == SyncState.REVOKED
    assert a.vault.is_erased


# -- a real hub over real sockets ------------------------------------------------------------------------------


def _wait_until_expired(hub: HubProcess, vault: Vault) -> None:
    token = vault.meta_get("sync.access_token")
    assert token is not None
    client = HubClient(hub.base_url)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.me(token)
            except TokenExpired:
                return
            assert time.monotonic() < deadline, "the access token never expired"
            time.sleep(0.1)  # polling for the hub to call the token expired
    finally:
        client.close()


@pytest.mark.slow
def test_lost_refresh_answer_over_real_sockets_is_harmless(tmp_path: Path) -> None:
    with HubProcess(access_ttl=1.0) as hub, FaultProxy(hub.port) as proxy:
        vault = make_vault(tmp_path / "d")
        repo = Repository(vault)
        direct = HubClient(hub.base_url)
        try:
            enrol(vault, direct, hub.enrol_code("hv1"), "d")
        finally:
            direct.close()
        client = HubClient(proxy.base_url, timeout=5.0)
        try:
            engine = SyncEngine(vault, client)
            case = repo.save_record("case", new_case("Amy"))
            assert engine.sync_once().state == SyncState.IDLE
            note = repo.save_record("note", new_note("visited"), case_id=case.id)
            _wait_until_expired(hub, vault)
            # The sync is told token_expired; the refresh reaches the hub (which rotates) but its answer is lost.
            proxy.script("pass", "drop_response")
            status = engine.sync_once()
            assert [(a, t) for a, t, _ in proxy.log[-2:]] == [
                ("pass", "/v1/sync"),
                ("drop_response", "/v1/token/refresh"),
            ]
            assert status.state == SyncState.OFFLINE
            assert status.pending == 1
            assert not vault.is_erased
            # The next try presents the same (rotated) refresh token: a retry, not a theft.
            status = engine.sync_once()
            assert status.state == SyncState.IDLE
            assert status.pending == 0
            assert not vault.is_erased
            assert ("pass", "/v1/token/refresh") in [(a, t) for a, t, _ in proxy.log[-3:]]
            view = pull_everything(hub.base_url, hub.enrol_code("staff1", "hub_staff"))
            assert {str(case.id), str(note.id)} <= set(view)
            assert [c.fields["text"] for c in view.values() if c.record_type == "note"].count("visited") == 1
        finally:
            client.close()
