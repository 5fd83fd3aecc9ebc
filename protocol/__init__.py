"""protocol: what a device and the hub say to each other. Pure (pydantic and rfc8785 only), below forms, sync and hub.

The wire models (``_wire``), the strict JSON reader and canonical JSON (``_json``), and the three-way field merge
both sides apply (``_merge``).

Everything that crosses the network is one of these models, serialised as JSON (gzip allowed both ways).

Paths (all under ``/v1``):

    POST /v1/enrol              EnrolRequest          -> Credentials
    POST /v1/token/refresh      RefreshRequest        -> Credentials
    POST /v1/sync               SyncRequest           -> SyncResponse   (push then pull, one round trip)
    POST /v1/push               PushRequest           -> PushResponse
    GET  /v1/pull?cursor=&limit=                      -> PullResponse
    GET  /v1/attachments/{sha256}                     -> AttachmentStatus (which chunks the hub holds)
    PUT  /v1/attachments/{sha256}/chunks/{index}      raw bytes -> AttachmentStatus
    GET  /v1/attachments/{sha256}/content             raw bytes (only when complete)
    GET  /v1/me                                       -> DeviceInfo (check-in: lease and revocation)

Every error answer is an ``ErrorBody`` with a stable ``code`` (see ``ErrorCode``).
"""

from __future__ import annotations

from protocol._json import InvalidJson, canonical_json, content_hash, parse_json
from protocol._merge import Merge, merge_fields, same_value
from protocol._wire import (
    API_PREFIX,
    APPEND_ONLY_TYPES,
    ATTACHMENT_CHUNK_BYTES,
    DEFAULT_PULL_LIMIT,
    MAX_ATTACHMENT_BYTES,
    MAX_BATCH_MUTATIONS,
    MAX_BODY_BYTES,
    MAX_FIELD_NAME_LENGTH,
    MAX_FIELDS_PER_MUTATION,
    MAX_PULL_LIMIT,
    MAX_SAFE_INT,
    MAX_STRING_LENGTH,
    MUTABLE_TYPES,
    RECEIPTED_TYPES,
    AttachmentStatus,
    Author,
    Change,
    Credentials,
    Cursor,
    DeviceInfo,
    EnrolRequest,
    ErrorBody,
    ErrorCode,
    FieldConflict,
    HubMeta,
    Issue,
    Mutation,
    MutationResult,
    Outcome,
    PullLimit,
    PullQuery,
    PullResponse,
    PushRequest,
    PushResponse,
    Receipt,
    RecordType,
    RefreshRequest,
    Role,
    SyncRequest,
    SyncResponse,
    UserInfo,
    Version,
)

__all__ = [
    "API_PREFIX",
    "APPEND_ONLY_TYPES",
    "ATTACHMENT_CHUNK_BYTES",
    "DEFAULT_PULL_LIMIT",
    "MAX_ATTACHMENT_BYTES",
    "MAX_BATCH_MUTATIONS",
    "MAX_BODY_BYTES",
    "MAX_FIELDS_PER_MUTATION",
    "MAX_FIELD_NAME_LENGTH",
    "MAX_PULL_LIMIT",
    "MAX_SAFE_INT",
    "MAX_STRING_LENGTH",
    "MUTABLE_TYPES",
    "RECEIPTED_TYPES",
    "AttachmentStatus",
    "Author",
    "Change",
    "Credentials",
    "Cursor",
    "DeviceInfo",
    "EnrolRequest",
    "ErrorBody",
    "ErrorCode",
    "FieldConflict",
    "HubMeta",
    "InvalidJson",
    "Issue",
    "Merge",
    "Mutation",
    "MutationResult",
    "Outcome",
    "PullLimit",
    "PullQuery",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "Receipt",
    "RecordType",
    "RefreshRequest",
    "Role",
    "SyncRequest",
    "SyncResponse",
    "UserInfo",
    "Version",
    "canonical_json",
    "content_hash",
    "merge_fields",
    "parse_json",
    "same_value",
]
