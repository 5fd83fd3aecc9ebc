"""The device's encrypted vault: a SQLCipher database whose key is wrapped under the user's passphrase.

Everything else talks to the database through ``Vault.transaction()`` / ``Vault.read()``, which yield a
``DbConnection`` (a small Protocol); ``_sqlcipher`` is the only module that touches SQLCipher itself.

Files in the data folder (see ``_paths``): ``vault.db`` (+ ``-wal``/``-shm`` while open), ``vault.header`` (the wrapped
key, see ``_keys``) and ``vault.lockout`` (the failed-unlock counter, see ``_lockout``).

Life cycle::

    Vault.create(dir, passphrase)  -> unlocked
    Vault.open(dir)                -> locked (header read and checked)
    vault.unlock(passphrase)       -> unlocked, schema migrated, quick_check passed
    vault.lock()                   -> connection closed, key material wiped (best effort)
    vault.erase()                  -> wrapped key destroyed at once, database files removed

Threads: one connection, guarded by a re-entrant lock (``_connection.GuardedConnection``); a ``transaction()``
opened inside another on the same thread becomes a SAVEPOINT of the outer one.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync import _audit, _migrate
from sync._connection import GuardedConnection
from sync._errors import (
    UnlockThrottled,
    VaultCorrupt,
    VaultErased,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from sync._keys import (
    Header,
    KdfParams,
    derive_kek,
    new_key,
    new_salt,
    read_header,
    unwrap_key,
    wipe,
    wrap_key,
    write_header,
)
from sync._lockout import LockoutPolicy, LockoutState, read_lockout, write_lockout
from sync._passphrase import check_passphrase
from sync._paths import DB_NAME, HEADER_NAME, LOCKOUT_NAME, ensure_private_dir, fsync_dir
from sync._sqlcipher import (
    Connection,
    DbConnection,
    DbCursor,
    OperationalError,
    WrongKey,
    check_db_file,
    close_quietly,
    connect,
    rekey,
)


@dataclass(frozen=True, slots=True)
class VaultSettings:
    """Tunables. Production defaults; tests use ``VaultSettings.for_tests()`` (cheap Argon2id, no delays)."""

    max_failed_unlocks: int = 10
    idle_lock_seconds: float = 300.0
    kdf: KdfParams = field(default_factory=KdfParams)
    min_passphrase_score: int = 3
    min_passphrase_length: int = 10
    free_failures: int = 3
    unlock_delay_base_s: float = 1.0
    unlock_delay_cap_s: float = 300.0
    # SQLCipher wipes (and locks) every allocation it frees. Costs about 5x on FTS-heavy writes (see bench.vault);
    # process-wide once any connection turns it on.
    memory_security: bool = True

    @classmethod
    def for_tests(cls, **overrides: Any) -> VaultSettings:
        fast = cls(kdf=KdfParams(memory_kib=1024, iterations=1, lanes=1), unlock_delay_base_s=0.0)
        return replace(fast, **overrides)

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            max_failures=self.max_failed_unlocks,
            free_failures=self.free_failures,
            delay_base_s=self.unlock_delay_base_s,
            delay_cap_s=self.unlock_delay_cap_s,
        )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Vault:
    """See the module docstring. Build with ``create`` or ``open``, never directly."""

    def __init__(self, data_dir: Path, header: Header, settings: VaultSettings, clock: Callable[[], float]) -> None:
        self._dir = data_dir
        self._header = header
        self._settings = settings
        self._clock = clock
        self._mutex = threading.RLock()
        self._db: GuardedConnection | None = None
        self._key: bytearray | None = None
        self._kek: bytearray | None = None
        self._schema_version = 0
        self._last_activity = time.monotonic()

    # --- paths -------------------------------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._dir

    @property
    def _db_path(self) -> Path:
        return self._dir / DB_NAME

    @property
    def _header_path(self) -> Path:
        return self._dir / HEADER_NAME

    @property
    def _lockout_path(self) -> Path:
        return self._dir / LOCKOUT_NAME

    # --- construction ------------------------------------------------------------------------------------------------

    @staticmethod
    def exists(data_dir: Path) -> bool:
        """True when a vault (or the tombstone of an erased one) is in ``data_dir``."""
        return (Path(data_dir) / HEADER_NAME).exists() or (Path(data_dir) / DB_NAME).exists()

    @classmethod
    def create(
        cls,
        data_dir: Path,
        passphrase: str,
        *,
        settings: VaultSettings | None = None,
        device_label: str = "",
        clock: Callable[[], float] = time.time,
    ) -> Vault:
        """Make a new vault and return it unlocked. Raises WeakPassphrase, VaultExists or VaultCorrupt."""
        settings = settings or VaultSettings()
        data_dir = Path(data_dir)
        check = check_passphrase(
            passphrase, min_score=settings.min_passphrase_score, min_length=settings.min_passphrase_length
        )
        if not check.ok:
            raise WeakPassphrase(check.message, check.suggestions)
        ensure_private_dir(data_dir)
        header_path, db_path = data_dir / HEADER_NAME, data_dir / DB_NAME
        if header_path.exists():
            old = read_header(header_path)
            if old.state != "erased":
                raise VaultExists()
            _remove_db_files(db_path)  # an erased vault's files are unreadable ciphertext
        elif db_path.exists():
            raise VaultCorrupt("a database is here without its key header")

        device_id = str(uuid.uuid4())
        salt = new_salt()
        kek = derive_kek(passphrase, salt, settings.kdf)
        key = new_key()
        header = Header(device_id=device_id, state="active", salt=salt, kdf=settings.kdf, key=None)
        header = replace(header, key=wrap_key(kek, key, device_id))
        vault = cls(data_dir, header, settings, clock)
        # Database first, header last: a header always points at a database that exists. Made 0600 before SQLite
        # opens it: SQLite gives the -wal, -shm and journal files the database file's mode.
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn: Connection | None = None
        try:
            conn = vault._connect(key)
            vault._schema_version = _migrate.migrate(conn)
            conn.execute("BEGIN IMMEDIATE")
            for k, v in (("device_id", device_id), ("device_label", device_label), ("created_at", _now_iso())):
                Vault.meta_set(conn, k, v)
            _audit.append_audit(conn, "create_vault", None, "")
            conn.execute("COMMIT")
            write_header(header_path, header)
        except BaseException:
            if conn is not None:
                conn.close()
            _remove_db_files(db_path)  # ours, made a moment ago: do not leave a database without its header
            raise
        write_lockout(data_dir / LOCKOUT_NAME, LockoutState())
        vault._db, vault._key, vault._kek = GuardedConnection(conn, vault._mutex), key, kek
        vault.touch()
        return vault

    @classmethod
    def open(
        cls, data_dir: Path, *, settings: VaultSettings | None = None, clock: Callable[[], float] = time.time
    ) -> Vault:
        """The vault in ``data_dir``, locked. Reads and checks the header and the database file's shape.

        Raises VaultNotFound, VaultCorrupt (damaged, truncated, foreign or tampered files), VaultTooNew.
        An erased vault opens (``is_erased``); unlocking it raises VaultErased.
        """
        settings = settings or VaultSettings()
        data_dir = Path(data_dir)
        header_path, db_path = data_dir / HEADER_NAME, data_dir / DB_NAME
        if not header_path.exists():
            if db_path.exists():
                raise VaultCorrupt("the key header is missing")
            raise VaultNotFound()
        header = read_header(header_path)
        if header.state == "active":
            check_db_file(db_path)
        return cls(data_dir, header, settings, clock)

    # --- state -------------------------------------------------------------------------------------------------------

    @property
    def device_id(self) -> str:
        return self._header.device_id

    @property
    def is_unlocked(self) -> bool:
        return self._db is not None

    @property
    def is_erased(self) -> bool:
        return self._header.state == "erased"

    @property
    def schema_version(self) -> int:
        return self._schema_version

    @property
    def settings(self) -> VaultSettings:
        return self._settings

    @property
    def failed_attempts(self) -> int:
        return read_lockout(self._lockout_path).failures

    @property
    def tries_left(self) -> int:
        return max(0, self._settings.max_failed_unlocks - self.failed_attempts)

    def unlock_wait_s(self) -> float:
        """Seconds before the next unlock may be tried (0 when it may be tried now)."""
        wait = read_lockout(self._lockout_path).not_before - self._clock()
        return wait if 0 < wait <= self._settings.unlock_delay_cap_s else 0.0

    # --- unlock / lock -----------------------------------------------------------------------------------------------

    def unlock(self, passphrase: str) -> None:
        """Open the database with the passphrase.

        Raises WrongPassphrase (with tries left and the delay before the next try), UnlockThrottled (too soon; not
        counted), VaultErased (erased now or before), VaultCorrupt, VaultTooNew, VaultInsecure.
        """
        with self._mutex:
            if self._db is not None:
                return
            header, kek, key = self._check_passphrase(passphrase)
            conn: Connection | None = None
            try:
                conn, key = self._open_with(header, kek, key)
                self._schema_version = _migrate.migrate(conn)
                conn.execute("BEGIN IMMEDIATE")
                _audit.append_audit(conn, "unlock", None, "")
                conn.execute("COMMIT")
            except BaseException:
                wipe(kek)
                wipe(key)
                if conn is not None:
                    close_quietly(conn)
                raise
            self._db, self._key, self._kek = GuardedConnection(conn, self._mutex), key, kek
            if self._header.kdf != self._settings.kdf:
                with contextlib.suppress(OSError):  # the old wrap still works; try again at the next unlock
                    self._rewrap(passphrase)
            self.touch()

    def confirm_passphrase(self, passphrase: str) -> None:
        """Check the passphrase of an unlocked vault, counted like an unlock (another window or browser session of
        the app proves it is the user's before it may see anything). Raises what ``unlock`` raises; a wrong one too
        many erases the vault here as well. Returns quietly when it is right."""
        with self._mutex:
            if self._db is None:
                raise VaultLocked()
            _header, kek, key = self._check_passphrase(passphrase)
            wipe(kek)
            wipe(key)
            self.touch()

    def _check_passphrase(self, passphrase: str) -> tuple[Header, bytearray, bytearray]:
        """The lockout rules around one passphrase try; the header, key-encryption key and database key if right."""
        header = read_header(self._header_path)
        self._header = header
        if header.state == "erased" or header.key is None:
            raise VaultErased()
        policy = self._settings.lockout
        state = read_lockout(self._lockout_path)
        if state.failures >= policy.max_failures:
            self._destroy()  # counted earlier, killed before the erase: finish it now
            raise VaultErased()
        now = self._clock()
        wait = state.not_before - now
        # A wait longer than the cap means the clock went back: do not lock the user out for that.
        if 0 < wait <= policy.delay_cap_s:
            raise UnlockThrottled(wait)
        failures = state.failures + 1
        delay = policy.delay_after(failures)
        # Durable before the check: killing the app mid-check does not give a free guess.
        write_lockout(self._lockout_path, LockoutState(failures=failures, not_before=now + delay))
        kek = derive_kek(passphrase, header.salt, header.kdf)
        key = unwrap_key(kek, header.key, header.device_id, header.format)
        if key is None:
            wipe(kek)
            if failures >= policy.max_failures:
                self._destroy()
                raise VaultErased()
            raise WrongPassphrase(tries_left=policy.max_failures - failures, delay_s=delay)
        write_lockout(self._lockout_path, LockoutState())
        return header, kek, key

    def _rewrap(self, passphrase: str) -> None:
        """Wrap the key again with this app's Argon2id cost (it was made with other parameters)."""
        assert self._key is not None
        header = read_header(self._header_path)
        salt = new_salt()
        kek = derive_kek(passphrase, salt, self._settings.kdf)
        rewrapped = replace(header, salt=salt, kdf=self._settings.kdf, key=wrap_key(kek, self._key, header.device_id))
        write_header(self._header_path, rewrapped)
        wipe(self._kek)
        self._kek, self._header = kek, rewrapped

    def lock(self) -> None:
        """Close the connection and drop key material (best effort: Python may keep copies)."""
        with self._mutex:
            db, self._db = self._db, None
            if db is not None:  # locked from inside a transaction: nothing of it is kept
                db.close()
            wipe(self._key)
            wipe(self._kek)
            self._key = self._kek = None

    close = lock

    def touch(self) -> None:
        """Note user activity (the idle timer restarts)."""
        self._last_activity = time.monotonic()

    def lock_if_idle(self, now: float | None = None) -> bool:
        """Lock after ``idle_lock_seconds`` without ``touch()`` (``now``: ``time.monotonic()``). True if locked."""
        now = time.monotonic() if now is None else now
        with self._mutex:
            if self._db is None or now - self._last_activity < self._settings.idle_lock_seconds:
                return False
            self.lock()
            return True

    # --- key management ----------------------------------------------------------------------------------------------

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the database key under a new passphrase (the database itself is untouched). Needs unlocked.

        Raises WrongPassphrase when ``old`` is wrong (not counted: the user is already in), WeakPassphrase.
        """
        with self._mutex:
            key = self._require_key()
            header = read_header(self._header_path)
            old_kek = derive_kek(old, header.salt, header.kdf)
            assert header.key is not None  # an unlocked vault's header holds its key
            check_key = unwrap_key(old_kek, header.key, header.device_id, header.format)
            wipe(old_kek)
            if check_key is None or not hmac.compare_digest(check_key, key):
                raise WrongPassphrase(tries_left=self.tries_left, delay_s=0.0)
            wipe(check_key)
            check = check_passphrase(
                new, min_score=self._settings.min_passphrase_score, min_length=self._settings.min_passphrase_length
            )
            if not check.ok:
                raise WeakPassphrase(check.message, check.suggestions)
            salt = new_salt()
            kek = derive_kek(new, salt, self._settings.kdf)
            new_header = replace(
                header, salt=salt, kdf=self._settings.kdf, key=wrap_key(kek, key, header.device_id), pending=None
            )
            write_header(self._header_path, new_header)  # the one atomic step: old or new, never a mix
            wipe(self._kek)
            self._kek, self._header = kek, new_header
            self._audit_now("change_passphrase")

    def rotate_key(self) -> None:
        """Re-encrypt the database under a fresh key with ``PRAGMA rekey``. Crash-safe, in two phases:

        1. header gets the new key in ``pending`` beside the current one (atomic write);
        2. ``PRAGMA rekey`` in rollback-journal mode (one transaction: a crash rolls back to the old key);
        3. header gets the new key as current, no pending (atomic write).

        A kill at any point leaves a header whose current or pending key opens the database; unlock tries the
        current key, then the pending one, and finishes or abandons the rotation.
        """
        with self._mutex:
            old_key = self._require_key()
            db = self._require_db()
            if db.in_transaction_block:
                raise VaultError("rotate_key cannot run inside a transaction")
            conn = db.raw()
            assert self._kek is not None
            header = read_header(self._header_path)
            fresh = new_key()
            phase1 = replace(header, pending=wrap_key(self._kek, fresh, header.device_id))
            write_header(self._header_path, phase1)
            try:
                rekey(conn, fresh)
                phase2 = replace(phase1, key=phase1.pending, pending=None)
                write_header(self._header_path, phase2)
            except BaseException as exc:
                # Which key the database is under now is for the next unlock to find out (current, then pending):
                # lock rather than guess, so no later write can use the wrong key.
                wipe(fresh)
                self.lock()
                if isinstance(exc, OperationalError):
                    raise VaultError(
                        "The key could not be changed: another copy of the app has the vault open. "
                        "The vault was locked; unlock it and try again."
                    ) from None
                raise
            self._header, self._key = phase2, fresh
            wipe(old_key)
            self._audit_now("rotate_key")

    def erase(self) -> None:
        """Destroy the wrapped key at once, then remove the database files. Works locked or unlocked.

        Used after too many failed unlocks and when the hub says this device is revoked. Unsynced work is lost
        with the key (see docs/threat-model.md).
        """
        with self._mutex:
            self._destroy()

    def _destroy(self) -> None:
        self.lock()
        try:
            header = read_header(self._header_path)
        except VaultCorrupt:
            header = self._header
        erased = header.erased()
        write_header(self._header_path, erased)  # the key is gone from here on
        self._header = erased
        _remove_db_files(self._db_path)
        write_lockout(self._lockout_path, LockoutState())

    # --- database access ---------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DbConnection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises. Nested calls become savepoints."""
        with self._mutex, self._require_db().transaction() as conn:
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[DbConnection]:
        """The connection for reading (no other thread writes meanwhile)."""
        with self._mutex, self._require_db().read() as conn:
            yield conn

    def meta_get(self, key: str) -> str | None:
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def meta_set(conn: DbConnection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- internals ---------------------------------------------------------------------------------------------------

    def _require_db(self) -> GuardedConnection:
        if self._db is None:
            raise VaultLocked()
        return self._db

    def _require_key(self) -> bytearray:
        self._require_db()
        assert self._key is not None
        return self._key

    def _audit_now(self, action: str) -> None:
        with self.transaction() as conn:
            _audit.append_audit(conn, action, None, "")

    def _open_with(self, header: Header, kek: bytearray, key: bytearray) -> tuple[Connection, bytearray]:
        """Connect with the current key, or finish a rotation that a crash interrupted."""
        check_db_file(self._db_path)
        try:
            conn = self._connect(key)
        except WrongKey:
            if header.pending is None:
                raise VaultCorrupt("the database does not decrypt with its key") from None
            pending = unwrap_key(kek, header.pending, header.device_id, header.format)
            if pending is None:
                raise VaultCorrupt("the pending key in the header does not unwrap") from None
            try:
                conn = self._connect(pending)
            except WrongKey:
                raise VaultCorrupt("the database decrypts with neither the current nor the pending key") from None
            # The rekey committed before the crash: finish phase 3.
            write_header(self._header_path, replace(header, key=header.pending, pending=None))
            wipe(key)
            key = pending
        else:
            if header.pending is not None:
                # The rekey never committed (or rolled back): abandon the rotation.
                write_header(self._header_path, replace(header, pending=None))
        self._header = read_header(self._header_path)
        return conn, key

    def _connect(self, key: bytearray) -> Connection:
        """A configured connection. Raises WrongKey, VaultCorrupt, VaultInsecure."""
        return connect(self._db_path, key, memory_security=self._settings.memory_security)


def _remove_db_files(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            db_path.with_name(db_path.name + suffix).unlink()
    fsync_dir(db_path.parent)


__all__ = ["DbConnection", "DbCursor", "Vault", "VaultSettings"]
