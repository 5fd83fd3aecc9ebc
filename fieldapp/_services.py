"""The one place where the vault, the repository, the sync engine and the forms engine meet.

One ``Services`` per app process (one device). Every browser session or window of the process shares it and
subscribes to its events; screens get what they need from here and never build these objects themselves. Each
session has its own lock (``UserSession``): it must give the passphrase itself before it sees the vault, even when
another session has unlocked it, and it locks after its own idle time; the vault locks when no session is unlocked.

Threads: Flet handlers run on the event loop or a worker thread; the idle watcher and the sync engine run on their
own threads. Listeners are called on the publishing thread; views hop back to their page's loop themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from fieldapp._config import DEFAULT_IDLE_S, AppConfig
from fieldapp._session import UserSession
from fieldapp.state.photo import MAX_PHOTO_BYTES, PhotoOutcome, PickedFile, check_photo, check_size, photo_value
from protocol import ErrorCode
from sync import (
    ENROL_AGAIN,
    ENROL_AGAIN_MESSAGE,
    HUB_URL,
    EngineSettings,
    HubClient,
    HubNotTrusted,
    HubRefused,
    HubUnreachable,
    InsecureHubURL,
    OtherUsersWork,
    Replica,
    Repository,
    StoredCredentials,
    SyncEngine,
    SyncError,
    SyncState,
    SyncStatus,
    UnlockThrottled,
    Vault,
    VaultCorrupt,
    VaultErased,
    VaultError,
    VaultInsecure,
    VaultLocked,
    VaultSettings,
    VaultTooNew,
    WeakPassphrase,
    WrongPassphrase,
    enrol,
    load_credentials,
    load_user,
    meta_get,
    meta_put,
)

#: Vault meta key for the chosen idle-lock time in seconds (a preference, not personal data).
LOCK_TIMEOUT_KEY = "app.lock_timeout_s"


class VaultStatus(StrEnum):
    MISSING = "missing"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    ERASED = "erased"


class Event(StrEnum):
    """What listeners hear about."""

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    ERASED = "erased"
    SYNC_STATUS = "sync_status"
    DATA_CHANGED = "data_changed"


Listener = Callable[[Event, Any], None]


@dataclass(frozen=True)
class UnlockOutcome:
    ok: bool
    message: str = ""
    tries_left: int | None = None
    delay_s: float = 0.0
    erased: bool = False


class Services:
    """Owns the device's vault and everything built on it while it is unlocked."""

    def __init__(self, config: AppConfig, *, http_factory: Callable[[], httpx.Client] | None = None) -> None:
        """``http_factory`` (tests): how to reach the hub, e.g. an in-process hub; default: real sockets."""
        self.config = config
        self._http_factory = http_factory
        self.settings = VaultSettings.for_tests() if config.fast_kdf else VaultSettings()
        self.vault: Vault | None = None
        self._last_activity = time.monotonic()
        self._idle_override: float | None = None
        self.repo: Repository | None = None
        self.engine: SyncEngine | None = None
        self._engine_unsub: Callable[[], None] | None = None
        self.last_status: SyncStatus = SyncStatus(state=SyncState.OFFLINE)
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._sessions: list[UserSession] = []

    # -- events ---------------------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: Event, payload: Any = None) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event, payload)

    # -- sessions -------------------------------------------------------------------------------------------------
    def open_session(self) -> UserSession:
        """A new window or browser session: locked until it gives the passphrase itself."""
        session = UserSession()
        with self._lock:
            self._sessions.append(session)
        return session

    def close_session(self, session: UserSession) -> None:
        """The session is gone for good; the vault locks if no other session is unlocked."""
        with self._lock:
            if session in self._sessions:
                self._sessions.remove(session)
        if session.unlocked:
            session.unlocked = False
            self._lock_if_nobody_in()

    def _admit(self, session: UserSession | None) -> None:
        if session is not None:
            session.unlocked = True
            session.touch()

    def _forget_sessions(self) -> None:
        """The vault locked or went away: every session must unlock again."""
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.unlocked = False

    def _lock_if_nobody_in(self) -> None:
        with self._lock:
            anyone = any(s.unlocked for s in self._sessions)
        if not anyone and self.vault is not None and self.vault.is_unlocked:
            self.lock()

    # -- vault ----------------------------------------------------------------------------------------------------
    def _open_vault(self) -> Vault | None:
        """The vault object (locked or not), opened lazily; None when no vault exists yet."""
        if self.vault is None and Vault.exists(self.config.data_dir):
            self.vault = Vault.open(self.config.data_dir, settings=self.settings)
        return self.vault

    def vault_status(self, session: UserSession | None = None) -> VaultStatus:
        """The vault's state as ``session`` may see it: locked for a session that has not unlocked it itself."""
        try:
            vault = self._open_vault()
        except VaultError:
            return VaultStatus.LOCKED  # the unlock screen shows the reason when the user tries
        if vault is None:
            return VaultStatus.MISSING
        if vault.is_unlocked:
            return VaultStatus.LOCKED if session is not None and not session.unlocked else VaultStatus.UNLOCKED
        if vault.is_erased:
            return VaultStatus.ERASED
        return VaultStatus.LOCKED

    @property
    def idle_timeout_s(self) -> float:
        if self.config.idle_timeout_s is not None:
            return self.config.idle_timeout_s
        if self._idle_override is not None:
            return self._idle_override
        return DEFAULT_IDLE_S

    def set_idle_timeout(self, seconds: float) -> None:
        """Use ``seconds`` from now on, and keep it in the vault so the next unlock applies it again."""
        self._idle_override = seconds
        vault = self.vault
        if vault is not None and vault.is_unlocked:
            with vault.transaction() as conn:
                meta_put(conn, LOCK_TIMEOUT_KEY, repr(float(seconds)))

    def _load_idle_timeout(self) -> None:
        assert self.vault is not None
        with self.vault.read() as conn:
            value = meta_get(conn, LOCK_TIMEOUT_KEY)
        try:
            seconds = float(value) if value is not None else None
        except ValueError:
            seconds = None  # unreadable: keep the default rather than refuse to unlock
        if seconds is not None and seconds > 0:
            self._idle_override = seconds

    def create_vault(self, passphrase: str, session: UserSession | None = None) -> str:
        """Create and unlock the vault (for ``session``). Returns "" on success, else a message for the user."""
        try:
            if self.vault is not None and self.vault.is_erased:
                self.vault = None  # create() reuses the erased vault's folder
            self.vault = Vault.create(self.config.data_dir, passphrase, settings=self.settings)
        except WeakPassphrase as exc:
            tips = " ".join(exc.suggestions)
            return f"{exc.message} {tips}".strip()
        except VaultError as exc:
            return str(exc)
        self._admit(session)
        self._after_unlock()
        return ""

    def unlock(self, passphrase: str, session: UserSession | None = None) -> UnlockOutcome:
        """Unlock the vault for ``session``; when another session has it open already, check the passphrase (the
        same tries and delays count) and let this session in too."""
        try:
            vault = self._open_vault()
            if vault is None:
                return UnlockOutcome(False, "No vault has been set up on this device yet.")
            if session is not None and not session.unlocked and self._confirm(vault, passphrase):
                self._admit(session)
                self.touch(session)
                self.publish(Event.UNLOCKED, session)
                return UnlockOutcome(True)
            vault.unlock(passphrase)
        except WrongPassphrase as exc:
            return UnlockOutcome(False, str(exc), exc.tries_left, exc.delay_s)
        except UnlockThrottled as exc:
            return UnlockOutcome(False, str(exc), None, exc.wait_s)
        except VaultErased as exc:
            self._on_locking()  # erased under a session that had it open: its engine stops too
            self._forget_sessions()
            self.publish(Event.ERASED)
            return UnlockOutcome(False, str(exc), 0, 0.0, erased=True)
        except (VaultCorrupt, VaultTooNew, VaultInsecure, VaultError) as exc:
            return UnlockOutcome(False, str(exc))
        self._admit(session)
        self._after_unlock()
        return UnlockOutcome(True)

    @staticmethod
    def _confirm(vault: Vault, passphrase: str) -> bool:
        """True when the vault was open already and the passphrase is right; False when it is not open (unlock it)."""
        if not vault.is_unlocked:
            return False
        try:
            vault.confirm_passphrase(passphrase)
        except VaultLocked:  # it locked meanwhile: unlock it as usual
            return False
        return True

    def reset_erased(self) -> None:
        """After an erase the next screen is "set up": forget the old vault object."""
        if self.vault is not None and self.vault.is_erased:
            self.vault = None

    def _after_unlock(self) -> None:
        self.touch()
        self._start_watcher()
        self._on_unlocked()
        self.publish(Event.UNLOCKED)

    def _on_unlocked(self) -> None:
        """Build what lives only while unlocked: the repository, and the sync engine once enrolled."""
        assert self.vault is not None
        self.repo = Repository(self.vault)
        self._load_idle_timeout()
        creds = self.credentials()
        if creds is not None:
            self._start_engine(creds.hub_url)
        elif self.must_enrol_again():
            # The hub cancelled the sign-in in an earlier session: say so (not just "offline"); work stays usable.
            pending = self.repo.pending_count()
            self._set_status(SyncStatus(state=SyncState.ENROL_AGAIN, pending=pending, last_error=ENROL_AGAIN_MESSAGE))
        else:
            self._set_status(SyncStatus(state=SyncState.OFFLINE, pending=self.repo.pending_count()))

    def _on_locking(self) -> None:
        """Stop what lives only while unlocked (the engine finishes its current request first)."""
        self._stop_engine()
        self.repo = None

    def _stop_engine(self) -> str | None:
        """Stop the running engine, if any (its current request finishes first); returns its hub URL."""
        engine, self.engine = self.engine, None
        if self._engine_unsub is not None:
            self._engine_unsub()
            self._engine_unsub = None
        if engine is None:
            return None
        engine.stop(timeout=10)
        return engine.hub_url

    # -- enrolment and sync -----------------------------------------------------------------------------------------
    def credentials(self) -> StoredCredentials | None:
        if self.vault is None or not self.vault.is_unlocked:
            return None
        with self.vault.read() as conn:
            return load_credentials(conn)

    def must_enrol_again(self) -> bool:
        """The hub cancelled this device's sign-in (the tokens are gone, the work is kept): enrolment is needed."""
        if self.vault is None or not self.vault.is_unlocked:
            return False
        with self.vault.read() as conn:
            return meta_get(conn, ENROL_AGAIN) is not None and load_credentials(conn) is None

    def previous_user(self) -> str:
        """The display name of the user this vault was last enrolled for ("" if never)."""
        if self.vault is None or not self.vault.is_unlocked:
            return ""
        with self.vault.read() as conn:
            user = load_user(conn)
        return user.display_name if user is not None else ""

    def writer(self) -> dict[str, str | None]:
        """Who is writing, for the answers a form asks about its writer ("Your name", registration, practice): the
        enrolled user as the hub knows them, which is what the hub checks those answers against."""
        if self.vault is None or not self.vault.is_unlocked:
            return {}
        with self.vault.read() as conn:
            user = load_user(conn)
        if user is None:
            return {}
        return {"display_name": user.display_name, "ods_code": user.ods_code, "registration": user.registration}

    def previous_hub_url(self) -> str:
        """The hub address this vault was last enrolled with ("" if never): enrolling again starts from it."""
        if self.vault is None or not self.vault.is_unlocked:
            return ""
        with self.vault.read() as conn:
            return meta_get(conn, HUB_URL) or ""

    def enrol(self, hub_url: str, code: str, device_name: str = "field device") -> str:
        """Enrol this device with a one-time code. Returns "" on success, else a message for the user."""
        if self.vault is None or not self.vault.is_unlocked:
            return "Unlock the app first."
        code = code.strip()
        if not hub_url.strip():
            return "Enter the hub address your administrator gave you."
        if len(code) < 6:
            return "Enter the one-time code your administrator gave you."
        try:
            client = self._client(hub_url.strip())
        except InsecureHubURL as exc:
            return str(exc)
        # One engine at a time, and none while the credentials change under it (a run that hears "sign-in
        # cancelled" would otherwise drop the tokens just stored). On failure the old one carries on.
        previous_hub = self._stop_engine()
        try:
            enrol(self.vault, client, code, device_name)
        except (HubUnreachable, HubRefused, SyncError) as exc:
            if previous_hub is not None:
                self._start_engine(previous_hub)
            return self._enrol_message(exc)
        finally:
            client.close()
        self._start_engine(client.base_url)
        return ""

    def _enrol_message(self, exc: SyncError) -> str:
        if isinstance(exc, OtherUsersWork):
            who = self.previous_user() or "another user"
            return (
                f"This device holds unsynced work of {who} that has not reached the hub, so it cannot be enrolled "
                f"for someone else yet. {who} must enrol it again (with a new code from the hub administrator) so "
                "the work can be sent. The code you entered was not used: it still works for its own user."
            )
        if isinstance(exc, HubNotTrusted):
            return (
                "This computer does not trust the hub's certificate. Ask your IT team to install the council's "
                "certificate authority, or start the app with --ca-bundle and the authority's file."
            )
        if isinstance(exc, HubUnreachable):
            return "The hub cannot be reached. Check the address and your connection, or enrol later."
        if isinstance(exc, HubRefused):
            if getattr(exc, "code", None) == ErrorCode.ENROLMENT_INVALID:
                return "That enrolment code is not valid (wrong, used or expired). Ask for a new one."
            return f"The hub refused the enrolment: {exc}"
        return f"Enrolment failed: {exc}"

    def _client(self, hub_url: str) -> HubClient:
        http = self._http_factory() if self._http_factory else None
        return HubClient(hub_url, http=http, ca_bundle=self.config.ca_bundle)

    def _engine_settings(self) -> EngineSettings:
        if self.config.fast_kdf:  # tests: quick retries so a restarted hub is noticed at once
            return EngineSettings(interval_s=2.0, backoff_base_s=0.2, backoff_cap_s=2.0)
        return EngineSettings()

    def _start_engine(self, hub_url: str) -> None:
        assert self.vault is not None
        engine = SyncEngine(self.vault, self._client(hub_url), settings=self._engine_settings())
        self.engine = engine
        self._engine_unsub = engine.subscribe(self._set_status)
        engine.refresh_status()
        engine.start()

    def _set_status(self, status: SyncStatus) -> None:
        self.last_status = status
        if status.state is SyncState.REVOKED:
            # The engine has erased the vault key; this runs on its thread, and stopping it from here is safe (its
            # loop ends after this run and releases anyone waiting in sync_now()).
            self._revoked()
            return
        self.publish(Event.SYNC_STATUS, status)

    def _revoked(self) -> None:
        self._forget_sessions()
        self._on_locking()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()
        self.publish(Event.ERASED)

    def changed(self) -> None:
        """A local save happened: recount, tell the screens, and wake the engine."""
        if self.engine is not None:
            self.engine.refresh_status()
            self.engine.notify_changed()
        elif self.repo is not None:
            self._set_status(self.last_status.replace(pending=self.repo.pending_count()))
        self.publish(Event.DATA_CHANGED)

    def replica(self) -> Replica | None:
        if self.engine is not None:
            return self.engine.replica
        if self.vault is not None and self.vault.is_unlocked:
            return Replica(self.vault)
        return None

    def sync_now(self) -> SyncStatus:
        if self.engine is None:
            return self.last_status.replace(last_error="This device is not enrolled with a hub yet.")
        return self.engine.sync_now(timeout=60)

    def lock(self) -> None:
        """Lock the vault for every session (the Lock button, the last session's idle time, a closed app)."""
        self._forget_sessions()
        self._on_locking()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()
        self.publish(Event.LOCKED)

    def erase(self) -> None:
        self._forget_sessions()
        self._on_locking()
        if self.vault is not None:
            self.vault.erase()
        self.publish(Event.ERASED)

    # -- photographs (the form's attachment field) ---------------------------------------------------------------
    def add_photo(self, case_id: UUID, picked: PickedFile) -> PhotoOutcome:
        """Check a picked photograph and store it in the vault (never anywhere else); the field's value or why not.

        Web mode hands over the bytes; desktop mode a path to the user's own file, whose size is checked before a
        byte is read. The blob is tied to the case's record so the hub files it with the case (the sync engine
        uploads it after the records).
        """
        repo = self.repo
        if repo is None:
            return PhotoOutcome(message="The app is locked. Unlock it and add the photograph again.")
        data = picked.data
        if data is None:
            data, message = _read_picked(picked)
            if data is None:
                return PhotoOutcome(message=message)
        checked = check_photo(picked.name, data)
        if checked.value is None:
            return checked
        media_type = str(checked.value["media_type"])
        try:
            sha = repo.put_attachment(data, media_type, record_id=case_id)
        except VaultError as exc:  # RecordError (too large) included
            return PhotoOutcome(message=f"The photograph could not be stored: {exc}")
        return PhotoOutcome(value=photo_value(sha, str(checked.value["name"]), media_type, len(data)))

    def photo_data(self, sha256: str) -> bytes | None:
        """A stored photograph's bytes (for the preview), or None if it is not in this vault."""
        repo = self.repo
        if repo is None:
            return None
        found = repo.get_attachment(sha256)
        return None if found is None else found.data

    def discard_photo(self, sha256: str) -> bool:
        """Delete a photograph the user removed (replaced, or its item removed), unless it went up already or
        another answer still names it (``Repository.discard_attachment``)."""
        if self.repo is None or self.vault is None or not self.vault.is_unlocked:
            return False
        return self.repo.discard_attachment(sha256)

    def touch(self, session: UserSession | None = None) -> None:
        """The user did something (in ``session``): push the idle lock back."""
        self._last_activity = time.monotonic()
        if session is not None:
            session.touch()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.touch()

    def idle_for(self) -> float:
        return time.monotonic() - self._last_activity

    def _start_watcher(self) -> None:
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch_idle, name="idle-lock", daemon=True)
        self._watcher.start()

    def _watch_idle(self) -> None:
        while not self._stop.wait(0.25):
            vault = self.vault
            if vault is None or not vault.is_unlocked:
                continue
            if self.idle_for() >= self.idle_timeout_s:
                self.lock()
                continue
            self._lock_idle_sessions()

    def _lock_idle_sessions(self) -> None:
        """Each session locks after its own idle time; the vault locks when that was the last one unlocked."""
        with self._lock:
            idle = [s for s in self._sessions if s.unlocked and s.idle_for() >= self.idle_timeout_s]
        if not idle:
            return
        for session in idle:
            session.unlocked = False
            self.publish(Event.LOCKED, session)
        self._lock_if_nobody_in()

    def close(self) -> None:
        self._stop.set()
        self._on_locking()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()


def _read_picked(picked: PickedFile) -> tuple[bytes | None, str]:
    """Desktop: read the user's own file from its path, after checking its size (never more than the limit + 1)."""
    if not picked.path:
        return None, "The photograph could not be read. Try again."
    path = Path(picked.path)
    try:
        message = check_size(path.stat().st_size)
        if message:
            return None, message
        with path.open("rb") as fh:
            data = fh.read(MAX_PHOTO_BYTES + 1)
    except OSError:
        return None, "That file could not be read. Choose another photograph."
    return data, ""
