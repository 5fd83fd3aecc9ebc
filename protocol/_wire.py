"""The wire models: every body that crosses the network, as pure pydantic models with bounds on every value."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue

API_PREFIX: Final = "/v1"

# Limits the hub enforces and the client respects; both sides import them from here.
MAX_BATCH_MUTATIONS: Final = 500
MAX_BODY_BYTES: Final = 8 * 1024 * 1024
MAX_FIELDS_PER_MUTATION: Final = 200
MAX_FIELD_NAME_LENGTH: Final = 100
MAX_STRING_LENGTH: Final = 100_000
MAX_PULL_LIMIT: Final = 2_000
DEFAULT_PULL_LIMIT: Final = 1_000
ATTACHMENT_CHUNK_BYTES: Final = 256 * 1024
MAX_ATTACHMENT_BYTES: Final = 50 * 1024 * 1024
#: The largest integer every JSON reader holds exactly (I-JSON, RFC 7493; RFC 8785 refuses larger): the one bound
#: of every cursor, sequence number and version, and of any integer inside a record.
MAX_SAFE_INT: Final = 2**53 - 1

#: A hub sequence number as a cursor: 0 is "from the start". The one type every path that takes one uses.
Cursor = Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]
#: A record's version (0 in a mutation means "create"; a stored record is at 1 or more).
Version = Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]
PullLimit = Annotated[int, Field(ge=1, le=MAX_PULL_LIMIT)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(StrEnum):
    HEALTH_VISITOR = "health_visitor"
    GP = "gp"
    SCHOOL_NURSE = "school_nurse"
    HUB_STAFF = "hub_staff"
    MANAGER = "manager"  # a MASH manager: hub staff's work plus sign-off and reassignment (the console)
    ADMIN = "admin"
    COMMISSIONER = "commissioner"  # counts only, never a person: the console's dashboard; no device may enrol


class RecordType(StrEnum):
    """What a record is. Mutable types change field by field; the others are append-only."""

    CASE = "case"  # a child and household; mutable (demographics, flags)
    PERSON = "person"  # an adult or professional linked to a case; mutable
    NOTE = "note"  # case note or addendum (``addendum_to`` points at the original); append-only
    FORM = "form"  # a submitted form: {form_id, form_version, spec_hash, answers}; append-only
    REFERRAL = "referral"  # an assembled referral document; append-only (the hub moves its status)
    INFO_REQUEST = "info_request"  # made by hub staff, addressed to a GP practice; read-only on devices
    RESPONSE = "response"  # a GP's answer to an info request; append-only


MUTABLE_TYPES: Final = frozenset({RecordType.CASE, RecordType.PERSON})
APPEND_ONLY_TYPES: Final = frozenset(set(RecordType) - MUTABLE_TYPES)
#: Types that earn a receipt (proof of what was shared, when).
RECEIPTED_TYPES: Final = frozenset({RecordType.REFERRAL, RecordType.RESPONSE})

FieldName = Annotated[str, Field(min_length=1, max_length=MAX_FIELD_NAME_LENGTH, pattern=r"^[a-z][a-z0-9_]*$")]


class Mutation(_Model):
    """One change to one record, made on a device. ``base_version`` 0 means "create"."""

    mutation_id: UUID
    record_id: UUID
    record_type: RecordType
    case_id: UUID  # the case the record belongs to (a case's own id for a case): access rules hang on it
    base_version: Version
    fields: dict[FieldName, JsonValue] = Field(max_length=MAX_FIELDS_PER_MUTATION)


class Outcome(StrEnum):
    APPLIED = "applied"  # stored; new version
    MERGED = "merged"  # base was stale but the changed fields were untouched since; stored, new version
    CONFLICT = "conflict"  # a field changed on both sides: the hub kept its values; see ``conflicts``
    REJECTED = "rejected"  # fails validation or a rule; see ``issues``; nothing stored
    FORBIDDEN = "forbidden"  # this user may not write this record; nothing stored


class Issue(_Model):
    """A validation problem: field path, stable code, readable message."""

    path: str
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"


class FieldConflict(_Model):
    field: str
    base: JsonValue = None
    mine: JsonValue = None
    theirs: JsonValue = None


class Receipt(_Model):
    """The hub's proof that it received a referral or response."""

    hub_reference: str
    received_at: datetime
    content_hash: str  # sha256 hex of the canonical JSON of the record's fields


class Author(_Model):
    """Who wrote a record, as the hub attests it: taken from the authenticated user and device at the time of
    writing, never from the record's body (whose name fields are the writer's word, checked against this)."""

    user_id: UUID
    display_name: str
    role: Role
    organisation: str
    ods_code: str | None = None  # a GP's practice; a health visitor's or school nurse's team
    registration: str | None = None  # professional registration (GMC number, NMC PIN) if the hub holds one
    device_id: UUID | None = None  # None: written on the hub itself (hub staff's tools)


class MutationResult(_Model):
    mutation_id: UUID
    record_id: UUID
    outcome: Outcome
    version: Version = 0  # the record's version at the hub after this mutation (current version on conflict)
    fields: dict[str, JsonValue] | None = None  # the hub's full record after merge or on conflict
    conflicts: list[FieldConflict] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    receipt: Receipt | None = None
    author: Author | None = None  # the hub-attested author of the record (None when nothing was stored)


class HubMeta(_Model):
    """Fields only the hub writes: a referral's status, CP-IS flags, receipts, the attested author."""

    status: str | None = None
    flags: list[str] = Field(default_factory=list)
    receipt: Receipt | None = None
    author: Author | None = None


class Change(_Model):
    """One record as the hub holds it now, in sequence order."""

    seq: Annotated[Cursor, Field(ge=1)]
    record_id: UUID
    record_type: RecordType
    case_id: UUID
    version: Annotated[Version, Field(ge=1)]
    fields: dict[str, JsonValue]
    hub: HubMeta = Field(default_factory=HubMeta)


class PushRequest(_Model):
    mutations: list[Mutation] = Field(max_length=MAX_BATCH_MUTATIONS)


class PushResponse(_Model):
    results: list[MutationResult]


class PullResponse(_Model):
    changes: list[Change]
    cursor: Cursor  # store this and send it next time
    more: bool  # another page is waiting


class SyncRequest(_Model):
    mutations: list[Mutation] = Field(default_factory=list, max_length=MAX_BATCH_MUTATIONS)
    cursor: Cursor = 0
    pull_limit: PullLimit = DEFAULT_PULL_LIMIT


class PullQuery(_Model):
    """The query of ``GET /v1/pull``: the same cursor and limit as a ``SyncRequest``."""

    cursor: Cursor = 0
    limit: PullLimit = DEFAULT_PULL_LIMIT


class SyncResponse(_Model):
    results: list[MutationResult]
    changes: list[Change]
    cursor: Cursor
    more: bool
    lease_expires_at: datetime


class UserInfo(_Model):
    user_id: UUID
    username: str
    display_name: str
    role: Role
    organisation: str
    ods_code: str | None = None
    registration: str | None = Field(default=None, max_length=40)  # on file at the hub (NMC PIN, GMC number)


class EnrolRequest(_Model):
    code: str = Field(min_length=6, max_length=64)
    device_name: str = Field(min_length=1, max_length=100)
    # Set by a device holding this user's unsent work: a code of anyone else is refused and NOT spent.
    only_for_user: UUID | None = None
    # Set by the field app: only a field role (health visitor, school nurse, GP) may enrol it; a code of hub staff, a
    # manager or an admin is refused (``enrolment_console_user``) and NOT spent. Tools on the device API leave it unset.
    field_app: bool = False


class RefreshRequest(_Model):
    refresh_token: str = Field(min_length=10, max_length=200)


class Credentials(_Model):
    device_id: UUID
    user: UserInfo
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    lease_expires_at: datetime


class DeviceInfo(_Model):
    device_id: UUID
    user: UserInfo
    lease_expires_at: datetime
    server_time: datetime


class AttachmentStatus(_Model):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: Annotated[int, Field(ge=1, le=MAX_ATTACHMENT_BYTES)] | None = None
    chunks_received: list[Annotated[int, Field(ge=0, le=MAX_ATTACHMENT_BYTES // ATTACHMENT_CHUNK_BYTES)]] = Field(
        default_factory=list
    )
    complete: bool = False


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    TOO_LARGE = "too_large"
    TOKEN_MISSING = "token_missing"
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    REFRESH_REUSED = "refresh_reused"  # a rotated refresh token came back: the family is revoked
    ENROLMENT_INVALID = "enrolment_invalid"
    ENROLMENT_OTHER_USER = "enrolment_other_user"  # the code is valid but another user's; it was not spent
    ENROLMENT_CONSOLE_USER = "enrolment_console_user"  # a valid code of a console user (hub staff, admin): not spent
    DEVICE_REVOKED = "device_revoked"  # erase the vault key now
    USER_DISABLED = "user_disabled"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    MUTATION_REUSED = "mutation_reused"  # same mutation id, different payload
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class ErrorBody(_Model):
    code: ErrorCode
    message: str
    details: Any = None


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
    "Issue",
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
]
