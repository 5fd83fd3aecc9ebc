"""After the hub cancels the sign-in: the app says "Enrol again", stays usable offline, offers enrolment (also after
a restart), refuses another user while the work is unsent, and runs one sync engine at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp._config import AppConfig
from fieldapp._services import Services, VaultStatus
from fieldapp.state.caseload import CaseloadState, status_route, status_text
from fieldapp.state.enrol import EnrolState
from fieldapp.state.settings import SettingsState
from fieldapp.state.sync_screen import SyncScreenState
from sync import ENROL_AGAIN_MESSAGE, HubClient, SyncState, SyncStatus
from tests.fieldapp.conftest import PASSPHRASE
from tests.support.synchelp import InProcessHub, new_case, new_note


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


@pytest.fixture
def enrolled(tmp_path: Path, hub: InProcessHub) -> Iterator[Services]:
    svc = Services(AppConfig(data_dir=tmp_path / "d", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        assert svc.enrol("http://127.0.0.1", hub.enrol_code("hv1")) == ""
        yield svc
    finally:
        svc.close()


def burn_sign_in(svc: Services, hub: InProcessHub) -> None:
    """A copy of the refresh token is used elsewhere and the retry window passes: the hub revokes the family."""
    assert svc.vault is not None
    stolen = svc.vault.meta_get("sync.refresh_token")
    assert stolen is not None
    HubClient("http://127.0.0.1", http=hub.http()).refresh(stolen)
    hub.shift += 3600.0  # the access token has expired too, so the next sync must refresh (and hears refresh_reused)


def test_status_words_for_enrol_again() -> None:
    status = SyncStatus(state=SyncState.ENROL_AGAIN, pending=2, last_error=ENROL_AGAIN_MESSAGE)
    assert status_text(status) == ("Enrol again · 2 waiting", ENROL_AGAIN_MESSAGE)
    assert status_text(SyncStatus(state=SyncState.ENROL_AGAIN)) == ("Enrol again", ENROL_AGAIN_MESSAGE)
    assert status_route(status) == "/enrol"
    assert status_route(SyncStatus(state=SyncState.OFFLINE)) == "/sync"


def test_cancelled_sign_in_says_enrol_again_keeps_working_and_survives_a_restart(
    enrolled: Services, hub: InProcessHub
) -> None:
    assert enrolled.repo is not None
    case = enrolled.repo.save_record("case", new_case("Amy"))
    enrolled.changed()
    assert enrolled.sync_now().pending == 0
    burn_sign_in(enrolled, hub)
    enrolled.repo.save_record("note", new_note("visited, all well"), case_id=case.id)
    enrolled.changed()
    status = enrolled.sync_now()
    assert status.state is SyncState.ENROL_AGAIN
    screen = SyncScreenState(enrolled)
    screen.load()
    assert screen.needs_enrolment
    assert screen.headline == "Enrol again · 1 waiting"
    assert screen.explanation == ENROL_AGAIN_MESSAGE
    assert [w.state for w in screen.waiting] == ["pending"]
    assert "cancelled this device's sign-in for hv1" in SettingsState(enrolled).enrolment()
    # Still usable offline: the caseload lists and saves.
    enrolled.repo.save_record("case", new_case("Ben"))
    assert {r.title for r in CaseloadState(enrolled).refresh()} == {"Amy", "Ben"}
    # Locked and unlocked again (no credentials now): the state is still "enrol again", not plain "offline".
    enrolled.lock()
    assert enrolled.unlock(PASSPHRASE).ok
    assert enrolled.engine is None
    assert enrolled.last_status.state is SyncState.ENROL_AGAIN
    assert enrolled.last_status.pending == 2
    assert status_text(enrolled.last_status)[0] == "Enrol again · 2 waiting"
    form = EnrolState(enrolled)
    assert form.hub_url == "http://127.0.0.1"  # the address last used
    assert "hv1" in form.enrol_again_text()
    # Another user may not take over the unsent work; the message names whose work it is.
    form.code = hub.enrol_code("hv2")
    assert not form.submit()
    assert form.error.startswith("This device holds unsynced work of hv1")
    assert enrolled.engine is None
    assert enrolled.vault_status() is VaultStatus.UNLOCKED
    # The same user enrols again: the work goes out.
    form.code = hub.enrol_code("hv1")
    assert form.submit(), form.error
    assert form.enrol_again_text() == ""
    status = enrolled.sync_now()
    assert (status.state, status.pending, status.last_error) == (SyncState.IDLE, 0, None)
    assert status_text(status)[0] == "Synced"


def test_enrolling_again_replaces_the_running_engine(enrolled: Services, hub: InProcessHub) -> None:
    first = enrolled.engine
    assert first is not None
    thread = first._thread
    assert thread is not None
    assert thread.is_alive()
    assert enrolled.enrol("http://127.0.0.1", hub.enrol_code("hv1")) == ""
    assert enrolled.engine is not None
    assert enrolled.engine is not first
    assert first._thread is None
    assert not thread.is_alive()  # the old loop has ended: one engine per device
    # A failed enrolment leaves the running engine in place (a new one, for the same hub).
    second = enrolled.engine
    assert enrolled.enrol("http://127.0.0.1", "NOTACODE1").startswith("That enrolment code is not valid")
    assert enrolled.engine is not None
    assert enrolled.engine is not second
    assert second._thread is None
    assert enrolled.engine.hub_url == "http://127.0.0.1"
    assert enrolled.sync_now().state is SyncState.IDLE


def test_lock_timeout_is_kept_in_the_vault(tmp_path: Path) -> None:
    data = tmp_path / "t"
    svc = Services(AppConfig(data_dir=data, fast_kdf=True))
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        settings = SettingsState(svc)
        assert settings.timeout_minutes() == "5"
        settings.set_timeout_minutes("10")
        assert svc.idle_timeout_s == 600.0
    finally:
        svc.close()
    again = Services(AppConfig(data_dir=data, fast_kdf=True))
    try:
        assert again.idle_timeout_s == 300.0  # nothing known before unlock
        assert again.unlock(PASSPHRASE).ok
        assert again.idle_timeout_s == 600.0
        assert SettingsState(again).timeout_minutes() == "10"
    finally:
        again.close()
