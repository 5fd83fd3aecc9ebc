"""sync: the device's encrypted replica and its replication with the hub.

    from sync import Vault, Repository, SyncEngine, HubClient, enrol

The wire models and the merge rule are not here: they are the top-level ``protocol`` package, which the hub imports
without pulling in SQLCipher or httpx. Exceptions: ``VaultError`` (the vault's tree, see ``sync._errors``) and
``SyncError`` (the sync client's, see ``sync._errors_sync``).
"""

from __future__ import annotations

from sync._client import HubClient
from sync._credentials import (
    ENROL_AGAIN,
    HUB_URL,
    StoredCredentials,
    load_credentials,
    load_user,
    meta_get,
    meta_put,
)
from sync._engine import ENROL_AGAIN_MESSAGE, EngineSettings, SyncEngine
from sync._enrolment import enrol
from sync._errors import (
    AppendOnlyRecord,
    RecordError,
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
    ConsoleUser,
    HubBusy,
    HubNotTrusted,
    HubRefused,
    HubTimeout,
    HubUnreachable,
    InsecureHubURL,
    NotEnrolled,
    OtherUsersWork,
    SyncError,
    TokenExpired,
    TooLarge,
)
from sync._ids import new_id
from sync._passphrase import PassphraseCheck, check_passphrase
from sync._paths import resolve_data_dir
from sync._replica import ConflictView, RecordSync, RejectionView, Replica
from sync._repository import CaseSummary, Draft, LocalRecord, RecordInput, Repository
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

__all__ = [
    "ENROL_AGAIN",
    "ENROL_AGAIN_MESSAGE",
    "HUB_URL",
    "AccessEnded",
    "AppendOnlyRecord",
    "BadAnswer",
    "CaseSummary",
    "Choice",
    "ConflictView",
    "ConsoleUser",
    "Draft",
    "EngineSettings",
    "HubBusy",
    "HubClient",
    "HubNotTrusted",
    "HubRefused",
    "HubTimeout",
    "HubUnreachable",
    "InsecureHubURL",
    "LocalRecord",
    "NotEnrolled",
    "OtherUsersWork",
    "PassphraseCheck",
    "Progress",
    "RecordError",
    "RecordInput",
    "RecordSync",
    "RejectionView",
    "Replica",
    "Repository",
    "StoredCredentials",
    "SyncEngine",
    "SyncError",
    "SyncState",
    "SyncStatus",
    "TokenExpired",
    "TooLarge",
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
    "load_credentials",
    "load_user",
    "meta_get",
    "meta_put",
    "new_id",
    "resolve_conflict",
    "resolve_data_dir",
]
