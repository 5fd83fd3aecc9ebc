"""Staff sign-in for the console: password (Argon2id), TOTP second factor (RFC 6238), sessions held on the hub.

The steps: ``check_password`` -> a session at stage ``second_factor`` (or ``setup`` when no second factor exists
yet) -> ``check_code`` (or ``confirm_setup``) ends that session and starts a ``full`` one with a new id (no
fixation). ``current`` accepts a session only if its user is still enabled and still a console role, it has not been
idle for ``IDLE_S`` nor lived past ``LIFETIME_S``, and it was not ended. Only SHA-256 of a session id is stored.

Refusals: five wrong passwords or codes in a row lock the account for ``LOCK_S``; a TOTP code is good once (the
step it matched is kept and an equal or earlier step refused). TOTP secrets are sealed at rest (AES-256-GCM
under the hub key ``totp_aead``, the user id as associated data). Every attempt, right or wrong, is audited
without the password or code. Field roles never sign in here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Final

import argon2
import pyotp
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub import _audit
from hub._console_tables import console_sessions, staff_credentials
from hub._db import Database
from hub._errors import AdminError
from hub._secrets import SealError, new_seal_key, seal, unseal
from hub._settings import Settings
from hub._tables import hub_keys, users
from protocol import Role

#: The roles that work referrals (screening, requests, decisions).
CONSOLE_ROLES: Final = frozenset({Role.HUB_STAFF, Role.MANAGER, Role.ADMIN})
#: The roles that may sign in: commissioners too, who see the dashboard's counts and nothing else (hub._commissioning).
SIGN_IN_ROLES: Final = CONSOLE_ROLES | {Role.COMMISSIONER}
IDLE_S: Final = 20 * 60
LIFETIME_S: Final = 10 * 3600
PENDING_S: Final = 5 * 60  # from the right password to the code
MAX_FAILURES: Final = 5
LOCK_S: Final = 15 * 60
MIN_PASSWORD: Final = 12
ISSUER: Final = "MASH console"
_SEEN_EVERY_S: Final = 30.0  # last_seen_at is written at most this often (idle expiry is exact to this much)

_hasher: Final = argon2.PasswordHasher()  # Argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_DUMMY: Final = _hasher.hash("not a real password, spent on unknown users so timing tells nothing")


@dataclass(frozen=True)
class Staff:
    """A signed-in console user."""

    user_id: str
    username: str
    display_name: str
    role: Role
    organisation: str
    #: The local authority (ONS code) whose referrals this user works; None: every authority on the hub (a
    #: single-authority hub, or a regional admin). See hub._authorities.
    authority: str | None = None

    @property
    def is_commissioner(self) -> bool:
        return self.role == Role.COMMISSIONER

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


@dataclass(frozen=True)
class Session:
    staff: Staff
    stage: str
    csrf_token: str
    session_hash: str
    last_seen_at: float


@dataclass(frozen=True)
class Step:
    """The outcome of a sign-in step: a new session id to set (or None) and what to show next."""

    ok: bool
    session_id: str | None = None
    stage: str | None = None
    message: str = ""


WRONG: Final = "Enter a correct username and password."
LOCKED: Final = "This account is locked for 15 minutes after too many failed attempts. Try again later."
WRONG_CODE: Final = "Enter the current 6-digit code from your authenticator app."


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def set_password(db: Database, username: str, password: str, *, actor: str, now: float | None = None) -> None:
    """Set a console user's password (the CLI, and admins). Clears any lockout; keeps the second factor."""
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"a password needs at least {MIN_PASSWORD} characters")
    now = time.time() if now is None else now
    hashed = _hasher.hash(password)
    with db.write() as conn:
        user = conn.execute(sa.select(users.c.user_id, users.c.role).where(users.c.username == username)).first()
        if user is None:
            raise AdminError(f"no user {username!r}")
        if Role(user.role) not in SIGN_IN_ROLES:
            raise AdminError("only hub staff, managers, commissioners and admins sign in to the console")
        values = {"password_hash": hashed, "failed_count": 0, "locked_until": None, "updated_at": now}
        changed = conn.execute(
            sa.update(staff_credentials).where(staff_credentials.c.user_id == user.user_id).values(**values)
        ).rowcount
        if not changed:
            conn.execute(sa.insert(staff_credentials).values(user_id=user.user_id, **values))
        _audit.record(conn, at=now, actor=actor, action="signin.set_password", target=username, outcome="ok")


def reset_second_factor(conn: Connection, user_id: str, now: float) -> None:
    """Forget a user's TOTP secret (they set up a new one at their next sign-in) and end their sessions."""
    conn.execute(
        sa.update(staff_credentials)
        .where(staff_credentials.c.user_id == user_id)
        .values(totp_sealed=None, totp_pending_sealed=None, totp_last_step=None, updated_at=now)
    )
    end_sessions_of(conn, user_id, now)


def end_sessions_of(conn: Connection, user_id: str, now: float) -> None:
    conn.execute(
        sa.update(console_sessions)
        .where(console_sessions.c.user_id == user_id, console_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def _new_session(conn: Connection, user_id: str, stage: str, now: float) -> str:
    session_id = secrets.token_urlsafe(32)
    lifetime = LIFETIME_S if stage == "full" else PENDING_S
    conn.execute(
        sa.insert(console_sessions).values(
            session_hash=_digest(session_id),
            user_id=user_id,
            stage=stage,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    return session_id


def _fail(conn: Connection, user_id: str, failures: int, now: float) -> None:
    failures += 1
    locked = now + LOCK_S if failures >= MAX_FAILURES else None
    conn.execute(
        sa.update(staff_credentials)
        .where(staff_credentials.c.user_id == user_id)
        .values(failed_count=0 if locked else failures, locked_until=locked)
    )


def check_password(db: Database, settings: Settings, username: str, password: str, client: str) -> Step:
    """The first step. Right password, console role, not locked or disabled: a pending session."""
    now = settings.clock()
    username = username.strip().lower()[:64]
    with db.write() as conn:
        row = conn.execute(
            sa.select(users.c.user_id, users.c.role, users.c.disabled, staff_credentials)
            .join(staff_credentials, staff_credentials.c.user_id == users.c.user_id)
            .where(users.c.username == username)
            .with_for_update(of=staff_credentials)  # failures are counted one at a time
        ).first()

        def audit(outcome: str) -> None:
            _audit.record(
                conn,
                at=now,
                actor=username or "anonymous",
                action="signin.password",
                target=username,
                outcome=outcome,
                detail={"client": client},
            )

        if row is None:
            _verify(_DUMMY, password)
            audit("unknown_user")
            return Step(False, message=WRONG)
        if row.locked_until is not None and row.locked_until > now:
            audit("locked")
            return Step(False, message=LOCKED)
        if not _verify(row.password_hash, password):
            _fail(conn, row.user_id, row.failed_count, now)
            audit("wrong_password")
            return Step(False, message=WRONG)
        if row.disabled or Role(row.role) not in SIGN_IN_ROLES:
            audit("refused_role" if not row.disabled else "disabled")
            return Step(False, message="This account cannot sign in to the console.")
        stage = "second_factor" if row.totp_sealed else "setup"
        conn.execute(
            sa.update(staff_credentials)
            .where(staff_credentials.c.user_id == row.user_id)
            .values(failed_count=0, locked_until=None)
        )
        audit("ok")
        return Step(True, session_id=_new_session(conn, row.user_id, stage, now), stage=stage)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def _matched_step(secret: str, code: str, now: float) -> int | None:
    """The 30-second step (one either side of now) whose code is ``code``, or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def setup_secret(db: Database, session: Session) -> str:
    """The secret offered at set-up (made once per pending session and kept until confirmed)."""
    if session.stage != "setup":
        raise AdminError("the second factor is already set up")
    with db.write() as conn:
        user_id = session.staff.user_id
        pending = conn.execute(
            sa.select(staff_credentials.c.totp_pending_sealed).where(staff_credentials.c.user_id == user_id)
        ).scalar_one_or_none()
        key = totp_key(conn)
        opened = open_totp(key, user_id, pending)
        if opened:
            return opened
        secret = pyotp.random_base32()
        conn.execute(
            sa.update(staff_credentials)
            .where(staff_credentials.c.user_id == user_id)
            .values(totp_pending_sealed=seal_totp(key, user_id, secret))
        )
        return secret


_TOTP_KEY: Final = "totp_aead"


def totp_key(conn: Connection) -> str:
    """The hub key TOTP secrets are sealed under (made by revision 0009; one missing is made now, and a race between
    two hub processes ends in a unique-key error the writer's retry resolves)."""
    key = conn.execute(sa.select(hub_keys.c.value).where(hub_keys.c.name == _TOTP_KEY)).scalar_one_or_none()
    if key is None:
        key = new_seal_key()
        conn.execute(sa.insert(hub_keys).values(name=_TOTP_KEY, value=key, created_at=time.time()))
    return str(key)


def seal_totp(key: str, user_id: str, secret: str) -> str:
    return seal(key, f"totp:{user_id}", secret)


def store_totp_secret(conn: Connection, user_id: str, secret: str) -> None:
    """Give a user a confirmed second factor directly (the demo and tests; staff set theirs up at sign-in)."""
    conn.execute(
        sa.update(staff_credentials)
        .where(staff_credentials.c.user_id == user_id)
        .values(totp_sealed=seal_totp(totp_key(conn), user_id, secret), totp_pending_sealed=None, totp_last_step=None)
    )


def open_totp(key: str, user_id: str, sealed: str | None) -> str | None:
    """The clear secret, or None when there is none or it does not open (then no code can match: the user's admin
    resets the second factor)."""
    if not sealed:
        return None
    try:
        return unseal(key, f"totp:{user_id}", sealed)
    except SealError:
        return None


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def check_code(db: Database, settings: Settings, session_id: str, code: str, client: str) -> Step:
    """The second step: a code from the authenticator (the confirmed secret, or at set-up the pending one)."""
    now = settings.clock()
    with db.write() as conn:
        session = _load(conn, session_id, now)
        if session is None or session.stage not in ("second_factor", "setup"):
            return Step(False, message="Your sign-in has timed out. Sign in again.")
        # Locked until commit (PostgreSQL): two requests with the same code cannot both read the old last step.
        cred = conn.execute(
            sa.select(staff_credentials).where(staff_credentials.c.user_id == session.staff.user_id).with_for_update()
        ).one()
        if cred.locked_until is not None and cred.locked_until > now:
            _audit.record(
                conn,
                at=now,
                actor=session.staff.username,
                action="signin.code",
                outcome="locked",
                detail={"client": client},
            )
            return Step(False, message=LOCKED)
        sealed = cred.totp_sealed if session.stage == "second_factor" else cred.totp_pending_sealed
        secret = open_totp(totp_key(conn), session.staff.user_id, sealed)
        step = _matched_step(secret, code, now) if secret else None
        if step is None or (cred.totp_last_step is not None and step <= cred.totp_last_step):
            outcome = "wrong_code" if step is None else "replayed_code"
            _fail(conn, session.staff.user_id, cred.failed_count, now)
            _audit.record(
                conn,
                at=now,
                actor=session.staff.username,
                action="signin.code",
                outcome=outcome,
                detail={"client": client},
            )
            return Step(False, message=WRONG_CODE)
        values: dict[str, object] = {"totp_last_step": step, "failed_count": 0, "locked_until": None}
        if session.stage == "setup":
            values.update(totp_sealed=sealed, totp_pending_sealed=None, updated_at=now)
        conn.execute(
            sa.update(staff_credentials).where(staff_credentials.c.user_id == session.staff.user_id).values(**values)
        )
        conn.execute(
            sa.update(console_sessions)
            .where(console_sessions.c.session_hash == session.session_hash)
            .values(ended_at=now)
        )
        new_id = _new_session(conn, session.staff.user_id, "full", now)
        _audit.record(
            conn,
            at=now,
            actor=session.staff.username,
            action="signin.code",
            outcome="ok",
            detail={"client": client, "setup": session.stage == "setup"},
        )
        return Step(True, session_id=new_id, stage="full")


def _load(conn: Connection, session_id: str, now: float) -> Session | None:
    row = conn.execute(
        sa.select(
            console_sessions,
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.organisation,
            users.c.authority,
            users.c.disabled,
        )
        .join(users, users.c.user_id == console_sessions.c.user_id)
        .where(console_sessions.c.session_hash == _digest(session_id))
    ).first()
    if row is None or row.ended_at is not None or row.disabled:
        return None
    if row.expires_at <= now or now - row.last_seen_at > IDLE_S:
        return None
    try:
        role = Role(row.role)
    except ValueError:
        return None
    if role not in SIGN_IN_ROLES:
        return None
    staff = Staff(row.user_id, row.username, row.display_name, role, row.organisation, row.authority)
    return Session(staff, row.stage, row.csrf_token, row.session_hash, row.last_seen_at)


def current(db: Database, settings: Settings, session_id: str | None) -> Session | None:
    """The live session behind a cookie value, or None (unknown, ended, idle, expired, user disabled or demoted)."""
    if not session_id or len(session_id) > 100:
        return None
    now = settings.clock()
    with db.read() as conn:
        session = _load(conn, session_id, now)
    if session is not None and now - session.last_seen_at > _SEEN_EVERY_S:
        with db.write(urgent=True) as conn:
            conn.execute(
                sa.update(console_sessions)
                .where(console_sessions.c.session_hash == session.session_hash)
                .values(last_seen_at=now)
            )
    return session


def sign_out(db: Database, settings: Settings, session_id: str | None) -> None:
    if not session_id:
        return
    now = settings.clock()
    with db.write() as conn:
        row = conn.execute(
            sa.select(console_sessions.c.user_id, users.c.username)
            .join(users, users.c.user_id == console_sessions.c.user_id)
            .where(console_sessions.c.session_hash == _digest(session_id), console_sessions.c.ended_at.is_(None))
        ).first()
        if row is None:
            return
        conn.execute(
            sa.update(console_sessions)
            .where(console_sessions.c.session_hash == _digest(session_id))
            .values(ended_at=now)
        )
        _audit.record(conn, at=now, actor=row.username, action="signin.sign_out", outcome="ok")
