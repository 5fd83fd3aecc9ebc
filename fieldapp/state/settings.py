"""Settings: enrolment, change passphrase, lock timeout, sign out and erase (with the unsynced items listed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldapp.state.strength import assess
from sync import VaultError, WeakPassphrase, WrongPassphrase

if TYPE_CHECKING:
    from fieldapp.state.needs import KeepsSettings

TIMEOUTS = (("1", 60.0), ("2", 120.0), ("5", 300.0), ("10", 600.0), ("15", 900.0))


@dataclass
class SettingsState:
    services: KeepsSettings
    message: str = ""
    error: str = ""

    def enrolment(self) -> str:
        creds = self.services.credentials()
        if creds is None and self.services.must_enrol_again():
            who = self.services.previous_user()
            return (
                f"The hub cancelled this device's sign-in{f' for {who}' if who else ''}. Enrol again with a new "
                "code from your hub administrator; your unsynced work is kept and is sent after enrolment."
            )
        if creds is None:
            return "Not enrolled: nothing leaves this device."
        u = creds.user
        return (
            f"Enrolled with {creds.hub_url} as {u.display_name} ({u.role.value.replace('_', ' ')}, {u.organisation})."
        )

    def change_passphrase(self, old: str, new: str, confirm: str) -> bool:
        self.message = self.error = ""
        if new != confirm:
            self.error = "The new passphrases are not the same."
            return False
        if not assess(new).acceptable:
            self.error = "The new passphrase is too easy to guess. Use four or more unrelated words."
            return False
        vault = self.services.vault
        if vault is None or not vault.is_unlocked:
            self.error = "Unlock the app first."
            return False
        try:
            vault.change_passphrase(old, new)
        except WrongPassphrase:
            self.error = "The current passphrase is not right."
            return False
        except WeakPassphrase as exc:
            self.error = f"{exc.message} {' '.join(exc.suggestions)}".strip()
            return False
        except VaultError as exc:
            self.error = str(exc)
            return False
        self.message = "Passphrase changed."
        return True

    def timeout_minutes(self) -> str | None:
        """The offered choice matching the lock time in use (saved in the vault), if it is one of them."""
        current = self.services.idle_timeout_s
        return next((label for label, seconds in TIMEOUTS if seconds == current), None)

    def set_timeout_minutes(self, minutes: str) -> None:
        for label, seconds in TIMEOUTS:
            if label == minutes:
                self.services.set_idle_timeout(seconds)
                self.message = f"The app now locks after {label} minute{'s' if label != '1' else ''} without use."
                return
        self.error = "Choose one of the times offered."

    def unsynced(self) -> list[str]:
        repo = self.services.repo
        if repo is None:
            return []
        return [
            f"{r.type} created {r.created_at[:16].replace('T', ' ')}"
            for r in repo.list_records()
            if r.state != "synced" and r.type != "info_request"
        ]

    def erase(self, typed: str) -> bool:
        if typed.strip().upper() != "ERASE":
            self.error = "Type ERASE to confirm."
            return False
        self.services.erase()
        return True
