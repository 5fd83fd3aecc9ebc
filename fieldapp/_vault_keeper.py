"""The device's vault, who may see it, and the idle lock.

One vault per device, shared by every window or browser session of the process. Each session has its own lock
(``UserSession``): it must give the passphrase itself before it sees the vault, even when another session has
unlocked it, and it locks after its own idle time; the vault locks when no session is unlocked. The repository
lives only while the vault is unlocked. What else lives only while unlocked (the sync engine) is started and
stopped through the two hooks the app wires in, so this module knows nothing of it.

Threads: the idle watcher runs on its own thread; the sync engine may lock the vault from its thread (``revoked``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fieldapp._config import AppConfig
from fieldapp._events import Event, Events
from fieldapp._session import UserSession
from sync import (
    Repository,
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
)


class VaultStatus(StrEnum):
    MISSING = "missing"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    ERASED = "erased"


@dataclass(frozen=True)
class UnlockOutcome:
    ok: bool
    message: str = ""
    tries_left: int | None = None
    delay_s: float = 0.0
    erased: bool = False


class VaultKeeper:
    """Owns the vault object, the repository while unlocked, the open sessions and the idle watcher."""

    def __init__(
        self,
        config: AppConfig,
        events: Events,
        *,
        idle_timeout: Callable[[], float],
        on_unlocked: Callable[[], None],
        on_locking: Callable[[], None],
    ) -> None:
        """``on_unlocked`` runs once the repository exists; ``on_locking`` before the repository goes."""
        self._config = config
        self._events = events
        self._idle_timeout = idle_timeout
        self._on_unlocked = on_unlocked
        self._on_locking_hook = on_locking
        self.settings = VaultSettings.for_tests() if config.fast_kdf else VaultSettings()
        self.vault: Vault | None = None
        self.repo: Repository | None = None
        self._last_activity = time.monotonic()
        self._lock = threading.RLock()
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._sessions: list[UserSession] = []

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
        if self.vault is None and Vault.exists(self._config.data_dir):
            self.vault = Vault.open(self._config.data_dir, settings=self.settings)
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

    def create_vault(self, passphrase: str, session: UserSession | None = None) -> str:
        """Create and unlock the vault (for ``session``). Returns "" on success, else a message for the user."""
        try:
            if self.vault is not None and self.vault.is_erased:
                self.vault = None  # create() reuses the erased vault's folder
            self.vault = Vault.create(self._config.data_dir, passphrase, settings=self.settings)
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
                self._events.publish(Event.UNLOCKED, session)
                return UnlockOutcome(True)
            vault.unlock(passphrase)
        except WrongPassphrase as exc:
            return UnlockOutcome(False, str(exc), exc.tries_left, exc.delay_s)
        except UnlockThrottled as exc:
            return UnlockOutcome(False, str(exc), None, exc.wait_s)
        except VaultErased as exc:
            self._on_locking()  # erased under a session that had it open: its engine stops too
            self._forget_sessions()
            self._events.publish(Event.ERASED)
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
        assert self.vault is not None
        self.repo = Repository(self.vault)
        self._on_unlocked()
        self._events.publish(Event.UNLOCKED)

    def _on_locking(self) -> None:
        """Stop what lives only while unlocked (the engine finishes its current request first)."""
        self._on_locking_hook()
        self.repo = None

    def lock(self) -> None:
        """Lock the vault for every session (the Lock button, the last session's idle time, a closed app)."""
        self._forget_sessions()
        self._on_locking()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()
        self._events.publish(Event.LOCKED)

    def erase(self) -> None:
        self._forget_sessions()
        self._on_locking()
        if self.vault is not None:
            self.vault.erase()
        self._events.publish(Event.ERASED)

    def revoked(self) -> None:
        """The hub revoked this device and the engine has erased the vault key: every session is out."""
        self._forget_sessions()
        self._on_locking()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()
        self._events.publish(Event.ERASED)

    # -- the idle lock --------------------------------------------------------------------------------------------
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
            if self.idle_for() >= self._idle_timeout():
                self.lock()
                continue
            self.lock_idle_sessions()

    def lock_idle_sessions(self) -> None:
        """Each session locks after its own idle time; the vault locks when that was the last one unlocked."""
        timeout = self._idle_timeout()
        with self._lock:
            idle = [s for s in self._sessions if s.unlocked and s.idle_for() >= timeout]
        if not idle:
            return
        for session in idle:
            session.unlocked = False
            self._events.publish(Event.LOCKED, session)
        self._lock_if_nobody_in()

    def close(self) -> None:
        self._stop.set()
        self._on_locking()
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()
