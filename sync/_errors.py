"""The vault's exceptions: one tree, rooted at ``VaultError``.

    VaultError
    ├── VaultNotFound        no vault in this data folder
    ├── VaultExists          create() where a vault already is
    ├── WeakPassphrase       create() / change_passphrase() with a guessable passphrase (message + suggestions)
    ├── WrongPassphrase      unlock() failed; carries tries_left and the delay before the next try
    ├── UnlockThrottled      unlock() called before the delay of the last failure ran out; nothing was counted
    ├── VaultErased          the wrapped key was destroyed (too many failures, or the hub revoked the device)
    ├── VaultLocked          the operation needs an unlocked vault
    ├── VaultCorrupt         a damaged, truncated, foreign or tampered file; never silently replaced
    ├── VaultTooNew          made by a newer version of the app (schema or header format)
    ├── VaultInsecure        the SQLite library has no encryption (empty ``PRAGMA cipher_version``)
    └── RecordError          a record operation the store refuses
        └── AppendOnlyRecord saving an existing record of an append-only type (write an addendum instead)

Messages are plain English, safe to show to the user, and never contain personal data.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the vault raises."""


class VaultNotFound(VaultError):
    def __init__(self, message: str = "No vault has been set up on this device yet.") -> None:
        super().__init__(message)


class VaultExists(VaultError):
    def __init__(self, message: str = "A vault already exists in this data folder.") -> None:
        super().__init__(message)


class WeakPassphrase(VaultError):
    """The passphrase is too easy to guess. ``suggestions`` are short tips to show under the field."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions


class WrongPassphrase(VaultError):
    """The passphrase did not open the vault. ``delay_s``: wait this long before the next try."""

    def __init__(self, tries_left: int, delay_s: float) -> None:
        plural = "try" if tries_left == 1 else "tries"
        message = f"Wrong passphrase. {tries_left} {plural} left before this device's vault is erased."
        if delay_s > 0:
            message += f" Wait {delay_s:.0f} seconds before trying again."
        super().__init__(message)
        self.tries_left = tries_left
        self.delay_s = delay_s


class UnlockThrottled(VaultError):
    """Too soon after a failed try. ``wait_s`` seconds remain; this attempt was not counted."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"Too many wrong passphrases. Wait {max(wait_s, 1):.0f} seconds before trying again.")
        self.wait_s = wait_s


class VaultErased(VaultError):
    def __init__(
        self,
        message: str = "This device's vault has been erased. Its data cannot be recovered; "
        "set up the device again and sync from the hub.",
    ) -> None:
        super().__init__(message)


class VaultLocked(VaultError):
    def __init__(self, message: str = "The vault is locked. Unlock it with your passphrase.") -> None:
        super().__init__(message)


class VaultCorrupt(VaultError):
    """A file of the vault is damaged, truncated, foreign or tampered with. Nothing was changed on disk."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The vault on this device is damaged and cannot be opened ({detail}). "
            "It has not been changed or replaced. Contact your IT support before doing anything else."
        )
        self.detail = detail


class VaultTooNew(VaultError):
    def __init__(self, found: int, supported: int, what: str = "database") -> None:
        super().__init__(
            f"This vault's {what} was made by a newer version of the app (version {found}; this app knows up to "
            f"{supported}). Update the app to open it."
        )
        self.found = found
        self.supported = supported


class VaultInsecure(VaultError):
    def __init__(self) -> None:
        super().__init__("The database library on this device has no encryption support; refusing to open the vault.")


class RecordError(VaultError):
    """A record operation the store refuses."""


class AppendOnlyRecord(RecordError):
    def __init__(self, record_type: str) -> None:
        super().__init__(f"A {record_type} cannot be changed once saved; add an addendum that points at it instead.")
        self.record_type = record_type


__all__ = [
    "AppendOnlyRecord",
    "RecordError",
    "UnlockThrottled",
    "VaultCorrupt",
    "VaultErased",
    "VaultError",
    "VaultExists",
    "VaultInsecure",
    "VaultLocked",
    "VaultNotFound",
    "VaultTooNew",
    "WeakPassphrase",
    "WrongPassphrase",
]
