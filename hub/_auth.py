"""Enrolment, token rotation and authentication of every request.

- ``enrol``: a one-time code (hashed, single use, expiring) becomes a new device and its first token family.
- ``refresh``: a refresh token is exchanged exactly once for a new pair, derived from it with an HMAC under the
  hub's key (``successor_pair``). A rotated one presented again is either a retry after a lost answer or a leaked
  copy. It is a retry only while it is "pending": rotated less than ``refresh_grace_s`` ago and its successor pair
  never used (a use of the successor access or refresh token retires it, by setting ``revoked_at``). A retry gets
  the same pair again: nothing is minted and nothing revoked, so a copy presented in the window can never take the
  family from the device that holds it. Any other reuse revokes the whole family (its refresh and access tokens):
  ``refresh_reused``.
- ``authenticate``: an access token -> ``Principal``; revoked devices and disabled users are told so (403). It only
  reads (pulls could be served from a replica); the first use of an access token retires the rotated refresh token
  that issued it (``issued_by``), written by ``record_use`` on the primary: one write per rotation.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms import is_field_role
from hub import _audit
from hub._db import Database
from hub._errors import ApiError
from hub._secrets import digest, new_access_token, new_key, new_refresh_token, normalise_code, successor_pair
from hub._settings import Settings
from hub._tables import access_tokens, devices, enrol_codes, hub_keys, refresh_tokens, users
from protocol import Credentials, ErrorCode, Role, UserInfo

_REFRESH_KEY: Final = "refresh_hmac"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user behind a device."""

    user_id: str
    username: str
    role: Role
    organisation: str
    ods_code: str | None
    device_id: str
    display_name: str
    last_seen_at: float | None = None
    registration: str | None = None  # professional registration on file (GMC number, NMC PIN)
    retires: str | None = None  # hash of the rotated refresh token this request's first use of its pair retires

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.HUB_STAFF, Role.MANAGER, Role.ADMIN)

    def info(self) -> UserInfo:
        return UserInfo(
            user_id=uuid.UUID(self.user_id),
            username=self.username,
            display_name=self.display_name,
            role=self.role,
            organisation=self.organisation,
            ods_code=self.ods_code,
            registration=self.registration,
        )


def when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _user_info(row: sa.Row[tuple[object, ...]]) -> UserInfo:
    m = row._mapping
    return UserInfo(
        user_id=uuid.UUID(m["user_id"]),
        username=m["username"],
        display_name=m["display_name"],
        role=Role(m["role"]),
        organisation=m["organisation"],
        ods_code=m["ods_code"],
        registration=m.get("registration"),
    )


def _issue(
    conn: Connection,
    settings: Settings,
    device_id: str,
    family_id: str,
    user: UserInfo,
    *,
    issued_by: str | None = None,
    pair: tuple[str, str] | None = None,
) -> Credentials:
    """Store and return a new (access, refresh) pair: ``pair`` when given (a rotation's ``successor_pair``), else
    random (enrolment)."""
    now = settings.clock()
    access, refresh = pair or (new_access_token(), new_refresh_token())
    conn.execute(
        sa.insert(access_tokens).values(
            token_hash=digest(access),
            family_id=family_id,
            device_id=device_id,
            expires_at=now + settings.access_ttl_s,
            issued_by=issued_by,
        )
    )
    conn.execute(
        sa.insert(refresh_tokens).values(
            token_hash=digest(refresh),
            family_id=family_id,
            device_id=device_id,
            expires_at=now + settings.refresh_ttl_s,
        )
    )
    # Expired access tokens of this family are of no use to anyone: drop them as we go. Not at once, though: a device
    # whose refresh answer was lost comes back with its expired one, and must hear token_expired (so it retries the
    # refresh), not token_invalid.
    conn.execute(
        sa.delete(access_tokens).where(
            access_tokens.c.family_id == family_id, access_tokens.c.expires_at < now - settings.refresh_grace_s
        )
    )
    return Credentials(
        device_id=uuid.UUID(device_id),
        user=user,
        access_token=access,
        access_expires_at=when(now + settings.access_ttl_s),
        refresh_token=refresh,
        lease_expires_at=when(now + settings.lease_s),
    )


def enrol(
    db: Database,
    settings: Settings,
    code: str,
    device_name: str,
    only_for_user: str | None = None,
    *,
    field_app: bool = False,
) -> Credentials:
    """A one-time code becomes a device and its credentials. With ``only_for_user`` (a device holding that user's
    unsent work), a code of another user is refused and stays unspent, so no stray device is made. With
    ``field_app`` (the field app enrolling), a code of a console user (hub staff, manager, admin) is refused unspent:
    they work in the MASH console in a browser."""
    now = settings.clock()
    code_hash = digest(normalise_code(code))
    other_user = console_user = False

    def work(conn: Connection) -> Credentials | None:
        nonlocal other_user, console_user
        if only_for_user is not None:
            owner = conn.execute(
                sa.select(enrol_codes.c.user_id).where(enrol_codes.c.code_hash == code_hash)
            ).scalar_one_or_none()
            other_user = owner is not None and str(owner) != only_for_user
            if other_user:
                return None
        # Hub staff, managers and admins work in the console, never on a device: a live code of theirs is refused
        # before it is claimed, so it stays unspent (a code that is used or expired says so as any other does).
        if field_app:
            owner_role = conn.execute(
                sa.select(users.c.role)
                .join(enrol_codes, enrol_codes.c.user_id == users.c.user_id)
                .where(enrol_codes.c.code_hash == code_hash, enrol_codes.c.used_at.is_(None))
                .where(enrol_codes.c.expires_at > now)
            ).scalar_one_or_none()
            console_user = owner_role is not None and not is_field_role(owner_role)
        if console_user:
            return None
        # Claim the code atomically: two devices racing with one code, only one UPDATE matches.
        claimed = conn.execute(
            sa.update(enrol_codes)
            .where(enrol_codes.c.code_hash == code_hash, enrol_codes.c.used_at.is_(None))
            .where(enrol_codes.c.expires_at > now)
            .values(used_at=now)
        ).rowcount
        if claimed != 1:
            return None
        row = conn.execute(
            sa.select(users)
            .join(enrol_codes, enrol_codes.c.user_id == users.c.user_id)
            .where(enrol_codes.c.code_hash == code_hash)
        ).one()
        if row.disabled:
            return None
        device_id, family_id = str(uuid.uuid4()), str(uuid.uuid4())
        conn.execute(
            sa.insert(devices).values(
                device_id=device_id, user_id=row.user_id, name=device_name, created_at=now, last_seen_at=now
            )
        )
        creds = _issue(conn, settings, device_id, family_id, _user_info(row))
        _audit.record(conn, at=now, actor=row.username, device_id=device_id, action="enrol", outcome="ok")
        return creds

    creds = db.retrying(work)
    if creds is None:
        with db.write() as conn:
            _audit.record(conn, at=now, actor="anonymous", action="enrol", outcome="refused")
        if other_user:
            raise ApiError(409, ErrorCode.ENROLMENT_OTHER_USER, "this code belongs to another user; it was not used")
        if console_user:
            raise ApiError(
                403,
                ErrorCode.ENROLMENT_CONSOLE_USER,
                "this code is for a MASH console account, which does not enrol devices; it was not used",
            )
        raise ApiError(401, ErrorCode.ENROLMENT_INVALID, "enrolment code unknown, used or expired")
    return creds


def _revoke_family(conn: Connection, family_id: str, now: float) -> None:
    conn.execute(
        sa.update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    conn.execute(sa.delete(access_tokens).where(access_tokens.c.family_id == family_id))


def _retire_pending(conn: Connection, family_id: str, now: float) -> None:
    """Retire the family's pending rotated tokens: from now on presenting one again is reuse, not a retry."""
    conn.execute(
        sa.update(refresh_tokens)
        .where(
            refresh_tokens.c.family_id == family_id,
            refresh_tokens.c.rotated_at.is_not(None),
            refresh_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def _reused(conn: Connection, row: sa.Row[tuple[object, ...]], now: float) -> ApiError:
    """Someone else holds a copy of a refresh token: revoke the whole family (RFC 9700 4.14.2) and say so."""
    m = row._mapping
    _revoke_family(conn, m["family_id"], now)
    _audit.record(conn, at=now, actor=m["username"], device_id=m["device_id"], action="refresh", outcome="reused")
    return ApiError(401, ErrorCode.REFRESH_REUSED, "refresh token reused: this device must enrol again")


def _refresh_key(conn: Connection) -> str:
    """The hub's key for successor pairs (made by the migration; one missing is made now: a race between two hub
    processes ends in a unique-key error, and ``Database.retrying`` runs the work again, which then reads it)."""
    key = conn.execute(sa.select(hub_keys.c.value).where(hub_keys.c.name == _REFRESH_KEY)).scalar_one_or_none()
    if key is None:
        key = new_key()
        conn.execute(sa.insert(hub_keys).values(name=_REFRESH_KEY, value=key, created_at=time.time()))
    return str(key)


def _repeat(
    conn: Connection, settings: Settings, row: sa.Row[tuple[object, ...]], token: str, now: float
) -> Credentials | None:
    """A pending rotated token came back (its answer was lost): repeat that answer, the very same pair, so nothing
    new is minted and nobody's pair is revoked. None if that pair is no longer live: the caller treats it as reuse."""
    m = row._mapping
    access, refresh = successor_pair(_refresh_key(conn), token)
    live_refresh = conn.execute(
        sa.select(refresh_tokens.c.token_hash).where(
            refresh_tokens.c.token_hash == digest(refresh),
            refresh_tokens.c.rotated_at.is_(None),
            refresh_tokens.c.revoked_at.is_(None),
        )
    ).first()
    access_expiry = conn.execute(
        sa.select(access_tokens.c.expires_at).where(access_tokens.c.token_hash == digest(access))
    ).scalar_one_or_none()
    if live_refresh is None or access_expiry is None:
        return None
    _audit.record(conn, at=now, actor=m["username"], device_id=m["device_id"], action="refresh", outcome="retry")
    return Credentials(
        device_id=uuid.UUID(m["device_id"]),
        user=_user_info(row),
        access_token=access,
        access_expires_at=when(access_expiry),
        refresh_token=refresh,
        lease_expires_at=when(now + settings.lease_s),
    )


def _presented_again(
    conn: Connection, settings: Settings, row: sa.Row[tuple[object, ...]], token: str, now: float
) -> Credentials | ApiError:
    """A rotated token came back. Pending (rotated less than ``refresh_grace_s`` ago, its pair never used): a
    retry, answered with the same pair. Otherwise someone else holds a copy: the family dies (RFC 9700 4.14.2)."""
    pending = row.revoked_at is None and now - row.rotated_at < settings.refresh_grace_s
    creds = _repeat(conn, settings, row, token, now) if pending else None
    return creds if creds is not None else _reused(conn, row, now)


_TOKEN_ROW: Final = (
    sa.select(refresh_tokens, devices.c.revoked_at.label("device_revoked_at"), users)
    .join(devices, devices.c.device_id == refresh_tokens.c.device_id)
    .join(users, users.c.user_id == devices.c.user_id)
    .where(refresh_tokens.c.token_hash == sa.bindparam("token_hash"))
)


def refresh(
    db: Database, settings: Settings, token: str, limit_device: Callable[[str], None] | None = None
) -> Credentials:
    """Exchange a refresh token. ``limit_device`` counts the attempt against the token's device (and raises when it
    is over its limit) before anything is written."""
    now = settings.clock()
    token_hash = digest(token)

    def work(conn: Connection) -> Credentials | ApiError:
        row = conn.execute(_TOKEN_ROW, {"token_hash": token_hash}).one_or_none()
        if row is None:
            return ApiError(401, ErrorCode.TOKEN_INVALID, "refresh token unknown")
        if limit_device is not None:
            limit_device(row.device_id)
        if row.device_revoked_at is not None:
            return ApiError(403, ErrorCode.DEVICE_REVOKED, "this device has been revoked")
        if row.disabled:
            return ApiError(403, ErrorCode.USER_DISABLED, "this user has been disabled")
        if row.rotated_at is not None:
            return _presented_again(conn, settings, row, token, now)
        if row.revoked_at is not None:
            return ApiError(401, ErrorCode.TOKEN_INVALID, "refresh token revoked")
        if row.expires_at <= now:
            return ApiError(401, ErrorCode.TOKEN_EXPIRED, "refresh token expired: enrol again")
        # Using the successor refresh token proves the answer that carried it arrived: its predecessor is retired.
        _retire_pending(conn, row.family_id, now)
        rotated = conn.execute(
            sa.update(refresh_tokens)
            .where(
                refresh_tokens.c.token_hash == token_hash,
                refresh_tokens.c.rotated_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(rotated_at=now)
        ).rowcount
        if rotated != 1:
            # A concurrent request rotated it since we read it (PostgreSQL; SQLite writes one at a time). It got the
            # same pair this one would: answer as a retry of it, or as reuse if that is what it has become.
            again = conn.execute(_TOKEN_ROW, {"token_hash": token_hash}).one()
            if again.rotated_at is None:
                return _reused(conn, again, now)  # revoked meanwhile: the family is going down anyway
            return _presented_again(conn, settings, again, token, now)
        pair = successor_pair(_refresh_key(conn), token)
        creds = _issue(conn, settings, row.device_id, row.family_id, _user_info(row), issued_by=token_hash, pair=pair)
        _audit.record(conn, at=now, actor=row.username, device_id=row.device_id, action="refresh", outcome="ok")
        return creds

    result = db.retrying(work)
    if isinstance(result, ApiError):
        raise result
    return result


def authenticate(db: Database, settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise ApiError(401, ErrorCode.TOKEN_MISSING, "an access token is required (Authorization: Bearer ...)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, ErrorCode.TOKEN_INVALID, "expected 'Authorization: Bearer <access token>'")
    now = settings.clock()
    predecessor = refresh_tokens.alias("predecessor")
    with db.read() as conn:
        row = conn.execute(
            sa.select(
                access_tokens.c.expires_at,
                access_tokens.c.issued_by,
                predecessor.c.revoked_at.label("predecessor_revoked_at"),
                devices.c.device_id,
                devices.c.revoked_at,
                devices.c.last_seen_at,
                users,
            )
            .join(devices, devices.c.device_id == access_tokens.c.device_id)
            .join(users, users.c.user_id == devices.c.user_id)
            .outerjoin(predecessor, predecessor.c.token_hash == access_tokens.c.issued_by)
            .where(access_tokens.c.token_hash == digest(token.strip()))
        ).one_or_none()
    if row is None:
        raise ApiError(401, ErrorCode.TOKEN_INVALID, "access token unknown or revoked")
    # Revocation first: a revoked device must hear it at its next contact, even with an expired token.
    if row.revoked_at is not None:
        raise ApiError(403, ErrorCode.DEVICE_REVOKED, "this device has been revoked")
    if row.disabled:
        raise ApiError(403, ErrorCode.USER_DISABLED, "this user has been disabled")
    if row.expires_at <= now:
        raise ApiError(401, ErrorCode.TOKEN_EXPIRED, "access token expired: refresh it")
    return Principal(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        organisation=row.organisation,
        ods_code=row.ods_code,
        device_id=row.device_id,
        display_name=row.display_name,
        last_seen_at=row.last_seen_at,
        registration=row.registration,
        # Using an access token proves the answer that carried it arrived: the rotated token that issued it may no
        # longer be retried. Recorded by ``record_use`` (a write, outside the read), once per rotation.
        retires=row.issued_by if row.issued_by is not None and row.predecessor_revoked_at is None else None,
    )


def record_use(conn: Connection, who: Principal, now: float, *, seen: bool) -> None:
    """Write what a request's token check found: the rotated refresh token its access token retires, and (``seen``)
    the device's last contact."""
    if who.retires is not None:
        conn.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == who.retires, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    if seen:
        conn.execute(sa.update(devices).where(devices.c.device_id == who.device_id).values(last_seen_at=now))
