"""Logic of the first-run (create vault) and unlock screens, without Flet.

Both talk to the vault only through what they are given (``state/needs.py``); they never hold the passphrase longer
than the submit call (the text fields are cleared by the views after each attempt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fieldapp.state.strength import Strength, assess

if TYPE_CHECKING:
    from fieldapp._session import UserSession
    from fieldapp.state.needs import CreatesVault, Unlocks


@dataclass
class SetupState:
    """Create the vault: passphrase twice, strength feedback as the user types."""

    services: CreatesVault
    session: UserSession | None = None  # the window or tab that unlocks (None: tests without a shell)
    passphrase: str = ""
    confirm: str = ""
    strength: Strength = field(default_factory=lambda: assess(""))
    error: str = ""

    def set_passphrase(self, value: str) -> None:
        self.passphrase = value
        self.strength = assess(value)
        self.error = ""

    def set_confirm(self, value: str) -> None:
        self.confirm = value
        self.error = ""

    @property
    def mismatch(self) -> bool:
        return bool(self.confirm) and self.confirm != self.passphrase

    @property
    def can_submit(self) -> bool:
        return bool(self.passphrase) and self.passphrase == self.confirm

    def submit(self) -> bool:
        """Create the vault. Returns True on success; otherwise ``error`` says why in plain words."""
        if not self.passphrase:
            self.error = "Choose a passphrase."
            return False
        if self.passphrase != self.confirm:
            self.error = "The two passphrases are not the same."
            return False
        problem = self.services.create_vault(self.passphrase, self.session)
        if problem:
            self.error = problem
            return False
        self.passphrase = self.confirm = ""
        return True


@dataclass
class UnlockState:
    """Unlock with the passphrase; say how many tries remain and how long to wait after a wrong one."""

    services: Unlocks
    session: UserSession | None = None
    error: str = ""
    tries_left: int | None = None
    delay_s: float = 0.0
    erased: bool = False

    def submit(self, passphrase: str) -> bool:
        if not passphrase:
            self.error = "Enter your passphrase."
            return False
        outcome = self.services.unlock(passphrase, self.session)
        self.erased = outcome.erased
        self.tries_left = outcome.tries_left
        self.delay_s = outcome.delay_s
        self.error = outcome.message
        return outcome.ok
