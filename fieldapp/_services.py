"""The one place where the app's parts are wired together: ``Services``, one per app process (one device).

The parts, each one job: ``_vault_keeper.py`` (the vault, the sessions, the idle lock), ``_preferences.py`` (the
idle-lock time kept in the vault), ``_sync_runner.py`` (the sync engine's lifecycle and status), ``_enrolment.py``
(who this device works for, enrolling), ``_photo_store.py`` (photographs into the vault), ``_events.py`` (what the
screens hear). ``Services`` builds them, connects their hooks (unlocking starts the engine, locking stops it, a
revoked device locks everyone out) and offers what the screens call. Each state class in ``state/`` takes only the
narrow protocol it uses (``state/needs.py``); ``Services`` satisfies all of them.

Every browser session or window of the process shares it and subscribes to its events; screens get what they need
from here and never build these objects themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from fieldapp._config import AppConfig
from fieldapp._enrolment import Enrolment
from fieldapp._events import Event, Events, Listener
from fieldapp._photo_store import PhotoStore
from fieldapp._preferences import Preferences
from fieldapp._session import UserSession
from fieldapp._sync_runner import SyncRunner
from fieldapp._vault_keeper import UnlockOutcome, VaultKeeper, VaultStatus
from fieldapp.state.photo import PhotoOutcome, PickedFile
from sync import Replica, Repository, StoredCredentials, SyncEngine, SyncStatus, Vault

__all__ = ["Event", "Listener", "Services", "UnlockOutcome", "VaultStatus"]


class Services:
    """Owns the device's vault and everything built on it while it is unlocked."""

    def __init__(self, config: AppConfig, *, http_factory: Callable[[], httpx.Client] | None = None) -> None:
        """``http_factory`` (tests): how to reach the hub, e.g. an in-process hub; default: real sockets."""
        self.config = config
        self.events = Events()
        self.preferences = Preferences(config)
        self.keeper = VaultKeeper(
            config,
            self.events,
            idle_timeout=lambda: self.preferences.idle_timeout_s,
            on_unlocked=self._on_unlocked,
            on_locking=self._on_locking,
        )
        self.runner = SyncRunner(
            config, self.keeper, self.events, http_factory=http_factory, on_revoked=self.keeper.revoked
        )
        self.enrolment = Enrolment(self.keeper, self.runner)
        self.photos = PhotoStore(self.keeper)

    def _on_unlocked(self) -> None:
        """Build what lives only while unlocked (the repository exists already): the saved preferences, and the
        sync engine once enrolled."""
        assert self.keeper.vault is not None
        self.preferences.load(self.keeper.vault)
        self.enrolment.resume()

    def _on_locking(self) -> None:
        """Stop what lives only while unlocked (the engine finishes its current request first)."""
        self.runner.stop()

    # -- events ---------------------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self.events.subscribe(listener)

    def publish(self, event: Event, payload: Any = None) -> None:
        self.events.publish(event, payload)

    # -- the vault, the sessions and the idle lock ----------------------------------------------------------------
    @property
    def vault(self) -> Vault | None:
        return self.keeper.vault

    @property
    def repo(self) -> Repository | None:
        return self.keeper.repo

    def open_session(self) -> UserSession:
        return self.keeper.open_session()

    def close_session(self, session: UserSession) -> None:
        self.keeper.close_session(session)

    def vault_status(self, session: UserSession | None = None) -> VaultStatus:
        return self.keeper.vault_status(session)

    def create_vault(self, passphrase: str, session: UserSession | None = None) -> str:
        return self.keeper.create_vault(passphrase, session)

    def unlock(self, passphrase: str, session: UserSession | None = None) -> UnlockOutcome:
        return self.keeper.unlock(passphrase, session)

    def reset_erased(self) -> None:
        self.keeper.reset_erased()

    def lock(self) -> None:
        self.keeper.lock()

    def erase(self) -> None:
        self.keeper.erase()

    def touch(self, session: UserSession | None = None) -> None:
        self.keeper.touch(session)

    def idle_for(self) -> float:
        return self.keeper.idle_for()

    def close(self) -> None:
        self.keeper.close()

    # -- preferences ----------------------------------------------------------------------------------------------
    @property
    def idle_timeout_s(self) -> float:
        return self.preferences.idle_timeout_s

    def set_idle_timeout(self, seconds: float) -> None:
        self.preferences.set_idle_timeout(seconds, self.keeper.vault)

    # -- enrolment ------------------------------------------------------------------------------------------------
    def credentials(self) -> StoredCredentials | None:
        return self.enrolment.credentials()

    def must_enrol_again(self) -> bool:
        return self.enrolment.must_enrol_again()

    def previous_user(self) -> str:
        return self.enrolment.previous_user()

    def writer(self) -> dict[str, str | None]:
        return self.enrolment.writer()

    def previous_hub_url(self) -> str:
        return self.enrolment.previous_hub_url()

    def enrol(self, hub_url: str, code: str, device_name: str = "field device") -> str:
        return self.enrolment.enrol(hub_url, code, device_name)

    # -- sync -----------------------------------------------------------------------------------------------------
    @property
    def engine(self) -> SyncEngine | None:
        return self.runner.engine

    @property
    def last_status(self) -> SyncStatus:
        return self.runner.last_status

    @last_status.setter
    def last_status(self, status: SyncStatus) -> None:
        self.runner.last_status = status

    def changed(self) -> None:
        self.runner.changed()

    def replica(self) -> Replica | None:
        return self.runner.replica()

    def sync_now(self) -> SyncStatus:
        return self.runner.sync_now()

    # -- photographs ----------------------------------------------------------------------------------------------
    def add_photo(self, case_id: UUID, picked: PickedFile) -> PhotoOutcome:
        return self.photos.add_photo(case_id, picked)

    def photo_data(self, sha256: str) -> bytes | None:
        return self.photos.photo_data(sha256)

    def discard_photo(self, sha256: str) -> bool:
        return self.photos.discard_photo(sha256)
