"""The wire protocol between a device and the hub: pure pydantic models, shared by client and hub.

Everything that crosses the network is one of these models, serialised as JSON (gzip allowed both ways).
The hub may import this module; it imports nothing of ours.

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

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, NoReturn
from uuid import UUID

import rfc8785
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
    ods_code: str | None = None  # a GP's practice
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


class InvalidJson(json.JSONDecodeError):
    """A body that is JSON to Python's reader but not to every reader: refused before anything is hashed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


#: Valid UTF-8 never decodes to a surrogate, and JSON holds no raw NUL: only an escape can make either (a
#: ``\\uD800``-``\\uDFFF``, paired or not, or ``\\u0000``). Without one, no string needs looking at.
_SUSPECT_ESCAPE: Final = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


def _no_constant(name: str) -> NoReturn:
    raise InvalidJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    # One bound for every number: a float past 2**53 is written by RFC 8785 as an integer that no longer fits.
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_SAFE_INT:
        raise InvalidJson(f"a number is beyond +/-{MAX_SAFE_INT}")
    return value


def _safe_int(text: str) -> int:
    # Digits first: int() of a huge literal costs time (and Python refuses over 4300 digits with another error).
    if len(text) > 17 or abs(value := int(text)) > MAX_SAFE_INT:
        raise InvalidJson(f"an integer is beyond +/-{MAX_SAFE_INT}")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise InvalidJson("an object has the same key twice")
    return value


def parse_json(body: bytes | str) -> Any:
    """Read a JSON body the way every reader would, or raise ``InvalidJson`` (a ``JSONDecodeError``).

    I-JSON (RFC 7493): UTF-8 only; no NaN or Infinity; every number within +/-(2**53-1) (integers exact);
    no lone surrogates; no duplicate keys. And no NUL in any string (no field needs one; PostgreSQL cannot store
    it). What passes can always be canonicalised (``canonical_json``) and reads back equal, so a content hash covers
    exactly what the hub stores and serves.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise InvalidJson("the body is not UTF-8") from exc
    try:
        value = json.loads(
            text, parse_constant=_no_constant, parse_float=_finite, parse_int=_safe_int, object_pairs_hook=_unique
        )
    except RecursionError as exc:
        raise InvalidJson("the body is nested too deeply") from exc
    if _SUSPECT_ESCAPE.search(text):
        _check_strings(value)
    return value


def _check_strings(value: Any) -> None:
    """Every key and string: encodable as UTF-8 (no lone surrogate) and without NUL (which PostgreSQL's text
    columns cannot hold). A loop, not recursion: the value may be as deep as the JSON reader allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise InvalidJson("a string holds a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidJson("a string holds a lone UTF-16 surrogate") from exc


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """The one byte form of a record's fields that both sides hash: RFC 8785 (JCS), by the rfc8785 package.

    Raises ``rfc8785.CanonicalizationError`` (a ValueError) for what JCS cannot hold (NaN, Infinity, integers past
    2**53, lone surrogates): ``parse_json`` refuses all of these at the edge, so the hub never meets one here.
    """
    return rfc8785.dumps(value)


def content_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``canonical_json(fields)``: what a receipt proves was shared."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


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
    "parse_json",
]
