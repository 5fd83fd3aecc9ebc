"""What each screen's state needs from the app, as narrow ``typing.Protocol`` types (only what it uses).

The state classes take one of these, never the app's wiring itself (``fieldapp._services.Services``, which
satisfies every one), so state depends on nothing above it and a test can hand a screen a small stand-in. The
vault, the repository and the replica are ``sync``'s own types: the state classes use them directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from fieldapp._session import UserSession
    from fieldapp.state.photo import PhotoOutcome, PickedFile
    from sync import Replica, Repository, StoredCredentials, SyncStatus, Vault


class ReadsRecords(Protocol):
    """The caseload, the inbox, a referral's status: read the local store (None while locked)."""

    @property
    def repo(self) -> Repository | None: ...


class SavesRecords(ReadsRecords, Protocol):
    """The case, a note, a referral: save to the local store, then say so (recount, wake the engine)."""

    def changed(self) -> None: ...


class KeepsPhotos(Protocol):
    """The attachment field: photographs into the vault and back out for the preview."""

    def add_photo(self, case_id: UUID, picked: PickedFile) -> PhotoOutcome: ...

    def photo_data(self, sha256: str) -> bytes | None: ...

    def discard_photo(self, sha256: str) -> bool: ...


class FillsForms(SavesRecords, KeepsPhotos, Protocol):
    """A form being filled in: its drafts and record, the writer's answers, its photographs."""

    def writer(self) -> dict[str, str | None]: ...


class ResolvesConflicts(SavesRecords, Protocol):
    """The conflicts screen: the replica resolves a clash field by field."""

    def replica(self) -> Replica | None: ...


class ShowsSync(ResolvesConflicts, Protocol):
    """The sync screen: the engine's status, a sync on demand, rejected items fixed or discarded."""

    @property
    def last_status(self) -> SyncStatus: ...

    def sync_now(self) -> SyncStatus: ...


class KnowsEnrolment(Protocol):
    """Who this device is enrolled for, and whether the hub cancelled the sign-in."""

    def credentials(self) -> StoredCredentials | None: ...

    def must_enrol_again(self) -> bool: ...

    def previous_user(self) -> str: ...


class ConfiguredHub(Protocol):
    @property
    def hub_url(self) -> str | None: ...


class Enrols(KnowsEnrolment, Protocol):
    """The enrolment screen: the hub address to start from, and the enrolment itself."""

    @property
    def config(self) -> ConfiguredHub: ...

    def previous_hub_url(self) -> str: ...

    def enrol(self, hub_url: str, code: str) -> str: ...


class KeepsSettings(KnowsEnrolment, ReadsRecords, Protocol):
    """The settings screen: the passphrase (on the vault itself), the lock time, erase."""

    @property
    def vault(self) -> Vault | None: ...

    @property
    def idle_timeout_s(self) -> float: ...

    def set_idle_timeout(self, seconds: float) -> None: ...

    def erase(self) -> None: ...


class CreatesVault(Protocol):
    """The first-run screen."""

    def create_vault(self, passphrase: str, session: UserSession | None = None) -> str: ...


class UnlockResult(Protocol):
    """How an unlock went, in the words and numbers the unlock screen shows."""

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...

    @property
    def tries_left(self) -> int | None: ...

    @property
    def delay_s(self) -> float: ...

    @property
    def erased(self) -> bool: ...


class Unlocks(Protocol):
    """The unlock screen."""

    def unlock(self, passphrase: str, session: UserSession | None = None) -> UnlockResult: ...


__all__ = [
    "ConfiguredHub",
    "CreatesVault",
    "Enrols",
    "FillsForms",
    "KeepsPhotos",
    "KeepsSettings",
    "KnowsEnrolment",
    "ReadsRecords",
    "ResolvesConflicts",
    "SavesRecords",
    "ShowsSync",
    "UnlockResult",
    "Unlocks",
]
