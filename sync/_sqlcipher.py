"""The one door to SQLCipher: the ONLY module of the project that imports ``sqlcipher3``.

It opens a configured, keyed connection (the PRAGMAs of ../shared/guide/security.md), re-keys one, checks a database
file's shape before any key is tried, and names the DB-API shapes (``DbConnection``, ``DbCursor``) that every other
module uses, so nothing else ever imports ``sqlcipher3``. ``Vault`` (``_vault``) owns the key and the life cycle.

Memory (docs/threat-model.md): SQLCipher always keeps its own key material (the database key, the HMAC key, the
salts, the page buffer it encrypts and decrypts in) in a private heap that it locks (``mlock``) when it starts,
zeroes on each allocation and overwrites with random bytes when a block is freed; the keys are also XOR-masked
between uses. ``cipher_memory_security`` (off by default, as in SQLCipher since 4.5.0) widens that to EVERY block
SQLite takes from the heap (page cache, rows, statements): locked when taken, wiped and unlocked when freed, two
system calls per allocation. It is process-wide and one-way: once on, it stays on until the process ends.

SQLite serves small, short-lived allocations (cursors, bound values, parse trees) from a per-connection *lookaside*
pool instead of the heap, but the default pool (about 30 slots of 1,200 bytes) is soon held by the statement cache.
``_widen_lookaside`` gives each connection 500 slots (600 KB, taken from the heap once per connection): fewer calls
to the allocator either way, and with memory security on it cut SQLCipher's extra cost on writes by about two
thirds. What still reaches the heap is mostly FTS5's pending-terms hash (one block per new term per transaction).
"""

from __future__ import annotations

import contextlib
import ctypes
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol, TypeAlias

from sqlcipher3 import _sqlite3, dbapi2

from sync._errors import VaultCorrupt, VaultError, VaultInsecure

Connection: TypeAlias = dbapi2.Connection  # sqlcipher3 has no type hints: Any to mypy
DbError = dbapi2.Error
OperationalError = dbapi2.OperationalError

_SQLITE_OK: Final = 0
_SQLITE_NOTADB: Final = 26
_SQLITE_CONFIG_LOOKASIDE: Final = 13
LOOKASIDE_SLOT_BYTES: Final = 1200  # SQLite's default slot size
LOOKASIDE_SLOTS: Final = 500  # SQLite's default is 40 (of which ~30 full-size)
_HEX_KEY: Final = re.compile(r"[0-9a-f]{64}")
_PLAIN_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_PAGE_SIZE: Final = 4096  # SQLCipher 4 default; the file is always a whole number of pages


class DbCursor(Protocol):
    """The part of a DB-API cursor the other modules use. Rows support ``row["column"]`` and ``row[0]``."""

    @property
    def rowcount(self) -> int: ...
    @property
    def lastrowid(self) -> int | None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class DbConnection(Protocol):
    """The part of a DB-API connection the other modules use (so they never import sqlcipher3)."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ..., /) -> DbCursor: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | Mapping[str, Any]], /) -> DbCursor: ...
    def executescript(self, script: str, /) -> DbCursor: ...


class WrongKey(Exception):
    """The database did not decrypt with the key tried."""


def _widen_lookaside() -> bool:
    """Set SQLite's default lookaside pool for new connections; True when it took effect.

    ``sqlite3_config`` only works while SQLite is not initialised, and the ``sqlcipher3`` extension initialises it on
    import, so this shuts SQLite down and starts it again. That is safe only while no connection is open, which holds
    here: this module is the only importer of ``sqlcipher3`` and runs this at its own import, before it opens
    anything. Where the extension does not export SQLite's C API (a platform's build may hide it) nothing changes.
    """
    try:
        lib = ctypes.CDLL(_sqlite3.__file__)
        shutdown, config, initialize = lib.sqlite3_shutdown, lib.sqlite3_config, lib.sqlite3_initialize
    except (OSError, AttributeError):
        return False
    if shutdown() != _SQLITE_OK:
        return False
    widened = config(_SQLITE_CONFIG_LOOKASIDE, ctypes.c_int(LOOKASIDE_SLOT_BYTES), ctypes.c_int(LOOKASIDE_SLOTS))
    if initialize() != _SQLITE_OK:  # it started once in this process already; failing now means no SQLite at all
        raise VaultError("SQLite could not be started again")
    return bool(widened == _SQLITE_OK)


LOOKASIDE_WIDENED: Final = _widen_lookaside()


def connect(db_path: Path, key: bytearray, *, memory_security: bool) -> Connection:
    """A keyed connection with the vault's PRAGMAs, checked. Raises WrongKey, VaultCorrupt, VaultInsecure."""
    conn = dbapi2.connect(str(db_path), isolation_level=None, check_same_thread=False, timeout=10.0)
    try:
        conn.row_factory = dbapi2.Row
        conn.execute("PRAGMA cipher_log_level = NONE").fetchall()
        conn.execute(f"PRAGMA key = \"x'{hex_key(key)}'\"").fetchall()
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if version is None or not version[0]:
            raise VaultInsecure()
        if memory_security:  # there is no turning it off: OFF is a no-op once any connection set it ON
            conn.execute("PRAGMA cipher_memory_security = ON").fetchall()
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except dbapi2.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) == _SQLITE_NOTADB:
                raise WrongKey() from None
            raise VaultCorrupt("the database cannot be read") from None
        conn.execute("PRAGMA secure_delete = ON").fetchall()
        expect(conn, "PRAGMA journal_mode = WAL", "wal")
        conn.execute("PRAGMA synchronous = FULL").fetchall()
        conn.execute("PRAGMA temp_store = MEMORY").fetchall()
        try:
            result = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        except dbapi2.DatabaseError:
            raise VaultCorrupt("the database fails its integrity check") from None
        if result != ["ok"]:
            raise VaultCorrupt("the database fails its integrity check")
    except BaseException:
        conn.close()
        raise
    return conn


def rekey(conn: Connection, key: bytearray) -> None:
    """Re-encrypt the whole database under ``key`` in one transaction (rollback journal: a crash keeps the old key)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    expect(conn, "PRAGMA journal_mode = DELETE", "delete")  # needs the database to itself
    conn.execute(f"PRAGMA rekey = \"x'{hex_key(key)}'\"").fetchall()
    expect(conn, "PRAGMA journal_mode = WAL", "wal")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def close_quietly(conn: Connection, *, rollback: bool = False) -> None:
    """Close, dropping an open transaction when asked; errors are ignored (the connection is being let go)."""
    with contextlib.suppress(dbapi2.Error):
        if rollback and conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def hex_key(key: bytearray) -> str:
    """The key as 64 hex digits, validated: PRAGMAs take no bound parameters, so this string goes into SQL."""
    text = key.hex()
    if not _HEX_KEY.fullmatch(text):
        raise ValueError("a database key must be 32 bytes")
    return text


def expect(conn: Connection, pragma: str, answer: str) -> None:
    row = conn.execute(pragma).fetchone()
    if row is None or str(row[0]).lower() != answer:
        raise VaultError(f"{pragma} was refused")


def check_db_file(db_path: Path) -> None:
    """Cheap shape checks before any key is tried: missing, empty, truncated or plain-SQLite files."""
    try:
        size = db_path.stat().st_size
    except FileNotFoundError:
        raise VaultCorrupt("the database file is missing") from None
    if size == 0:
        raise VaultCorrupt("the database file is empty")
    if size % _PAGE_SIZE:
        raise VaultCorrupt("the database file is truncated")
    with db_path.open("rb") as fh:
        head = fh.read(len(_PLAIN_SQLITE_MAGIC))
    if head == _PLAIN_SQLITE_MAGIC:
        raise VaultCorrupt("the database file is not encrypted")


__all__ = [
    "LOOKASIDE_WIDENED",
    "Connection",
    "DbConnection",
    "DbCursor",
    "DbError",
    "OperationalError",
    "WrongKey",
    "check_db_file",
    "close_quietly",
    "connect",
    "expect",
    "hex_key",
    "rekey",
]
