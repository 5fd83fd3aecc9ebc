"""sync: the device's encrypted replica and its replication with the hub.

Public names are loaded lazily (PEP 562): the hub imports the pure ``sync.protocol`` and ``sync.merge`` and must not
pull in SQLCipher or httpx by importing this package.

    from sync import Vault, Repository, SyncEngine, HubClient, enrol

Exceptions: ``VaultError`` (the vault's tree, see ``sync._errors``) and ``SyncError`` (the sync client's, see
``sync._errors_sync``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync._client import HubClient
    from sync._engine import EngineSettings, SyncEngine
    from sync._enrolment import enrol
    from sync._errors import (
        AppendOnlyRecord,
        UnlockThrottled,
        VaultCorrupt,
        VaultErased,
        VaultError,
        VaultExists,
        VaultInsecure,
        VaultLocked,
        VaultNotFound,
        VaultTooNew,
        WeakPassphrase,
        WrongPassphrase,
    )
    from sync._errors_sync import (
        AccessEnded,
        BadAnswer,
        HubNotTrusted,
        HubRefused,
        HubUnreachable,
        InsecureHubURL,
        NotEnrolled,
        SyncError,
    )
    from sync._passphrase import PassphraseCheck, check_passphrase
    from sync._paths import resolve_data_dir
    from sync._replica import RecordSync
    from sync._repository import CaseSummary, Draft, LocalRecord, Repository
    from sync._resolve import (
        Choice,
        discard_rejection,
        fix_rejection,
        list_conflicts,
        list_rejections,
        resolve_conflict,
    )
    from sync._status import Progress, SyncState, SyncStatus
    from sync._vault import Vault, VaultSettings

_WHERE: dict[str, str] = {
    "HubClient": "sync._client",
    "EngineSettings": "sync._engine",
    "SyncEngine": "sync._engine",
    "enrol": "sync._enrolment",
    "AppendOnlyRecord": "sync._errors",
    "UnlockThrottled": "sync._errors",
    "VaultCorrupt": "sync._errors",
    "VaultErased": "sync._errors",
    "VaultError": "sync._errors",
    "VaultExists": "sync._errors",
    "VaultInsecure": "sync._errors",
    "VaultLocked": "sync._errors",
    "VaultNotFound": "sync._errors",
    "VaultTooNew": "sync._errors",
    "WeakPassphrase": "sync._errors",
    "WrongPassphrase": "sync._errors",
    "AccessEnded": "sync._errors_sync",
    "BadAnswer": "sync._errors_sync",
    "HubRefused": "sync._errors_sync",
    "HubNotTrusted": "sync._errors_sync",
    "HubUnreachable": "sync._errors_sync",
    "InsecureHubURL": "sync._errors_sync",
    "NotEnrolled": "sync._errors_sync",
    "SyncError": "sync._errors_sync",
    "PassphraseCheck": "sync._passphrase",
    "check_passphrase": "sync._passphrase",
    "resolve_data_dir": "sync._paths",
    "RecordSync": "sync._replica",
    "CaseSummary": "sync._repository",
    "Draft": "sync._repository",
    "LocalRecord": "sync._repository",
    "Repository": "sync._repository",
    "Choice": "sync._resolve",
    "discard_rejection": "sync._resolve",
    "fix_rejection": "sync._resolve",
    "list_conflicts": "sync._resolve",
    "list_rejections": "sync._resolve",
    "resolve_conflict": "sync._resolve",
    "Progress": "sync._status",
    "SyncState": "sync._status",
    "SyncStatus": "sync._status",
    "Vault": "sync._vault",
    "VaultSettings": "sync._vault",
}

__all__ = [
    "AccessEnded",
    "AppendOnlyRecord",
    "BadAnswer",
    "CaseSummary",
    "Choice",
    "Draft",
    "EngineSettings",
    "HubClient",
    "HubNotTrusted",
    "HubRefused",
    "HubUnreachable",
    "InsecureHubURL",
    "LocalRecord",
    "NotEnrolled",
    "PassphraseCheck",
    "Progress",
    "RecordSync",
    "Repository",
    "SyncEngine",
    "SyncError",
    "SyncState",
    "SyncStatus",
    "UnlockThrottled",
    "Vault",
    "VaultCorrupt",
    "VaultErased",
    "VaultError",
    "VaultExists",
    "VaultInsecure",
    "VaultLocked",
    "VaultNotFound",
    "VaultSettings",
    "VaultTooNew",
    "WeakPassphrase",
    "WrongPassphrase",
    "check_passphrase",
    "discard_rejection",
    "enrol",
    "fix_rejection",
    "list_conflicts",
    "list_rejections",
    "resolve_conflict",
    "resolve_data_dir",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sync' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return [*globals(), *_WHERE]
