"""The user's preferences for this device: for now the idle-lock time, kept in the vault so the next unlock uses it.

A preference is not personal data, but it lives in the vault's meta table because the vault is the one store on the
device; the command line (``AppConfig.idle_timeout_s``, tests) wins over it.
"""

from __future__ import annotations

from fieldapp._config import DEFAULT_IDLE_S, AppConfig
from sync import Vault, meta_get, meta_put

#: Vault meta key for the chosen idle-lock time in seconds (a preference, not personal data).
LOCK_TIMEOUT_KEY = "app.lock_timeout_s"


class Preferences:
    def __init__(self, config: AppConfig) -> None:
        self._config = config
        self._idle_override: float | None = None

    @property
    def idle_timeout_s(self) -> float:
        if self._config.idle_timeout_s is not None:
            return self._config.idle_timeout_s
        if self._idle_override is not None:
            return self._idle_override
        return DEFAULT_IDLE_S

    def set_idle_timeout(self, seconds: float, vault: Vault | None) -> None:
        """Use ``seconds`` from now on, and keep it in ``vault`` (when unlocked) so the next unlock applies it again."""
        self._idle_override = seconds
        if vault is not None and vault.is_unlocked:
            with vault.transaction() as conn:
                meta_put(conn, LOCK_TIMEOUT_KEY, repr(float(seconds)))

    def load(self, vault: Vault) -> None:
        """Take the saved idle-lock time from a vault just unlocked."""
        with vault.read() as conn:
            value = meta_get(conn, LOCK_TIMEOUT_KEY)
        try:
            seconds = float(value) if value is not None else None
        except ValueError:
            seconds = None  # unreadable: keep the default rather than refuse to unlock
        if seconds is not None and seconds > 0:
            self._idle_override = seconds
