"""Database connections: one ``Database`` per hub process, over SQLAlchemy Core engines.

SQLite: WAL, ``synchronous=NORMAL``, a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` (a
deferred transaction that reads and then writes can fail with SQLITE_BUSY_SNAPSHOT under WAL instead of waiting).
Reads use a second engine with plain ``BEGIN`` and ``PRAGMA query_only`` so they never take the write lock (and
cannot write).

Every engine hides statement parameters (``hide_parameters=True``): a database error's message would otherwise carry
a record's fields (a child's name, an NHS number) into the hub's log (tests/hub/test_log_canary.py).

PostgreSQL: one engine, READ COMMITTED; read transactions are READ ONLY (so they could run on a replica); writers
lock the records they change (``SELECT ... FOR UPDATE``) and nothing shared (sequence numbers: ``hub._store``).
Transient failures (unique races, deadlocks, serialisation) are retried by ``Database.retrying``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

T = TypeVar("T")

_BUSY_TIMEOUT_MS = 30_000


class DatabaseMissing(FileNotFoundError):
    """A SQLite database file that does not exist, opened by a caller that must not create one."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no hub database at {path}")
        self.path = path


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (absolute); None for other databases and for in-memory SQLite."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).absolute()


def _sqlite_engine(url: sa.URL, begin: str, pool_size: int, *, read_only: bool = False) -> Engine:
    engine = sa.create_engine(
        url,
        hide_parameters=True,
        connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    """The hub's storage connections. ``write()`` and ``read()`` give a connection inside a transaction.

    ``create``: a missing SQLite file (and its folder) is created; with ``create=False`` it raises
    ``DatabaseMissing`` instead and touches nothing (the CLI's read and admin commands: a typo in a path must not
    leave an empty database behind and answer from it)."""

    def __init__(self, url: str, *, pool_size: int = 10, create: bool = True) -> None:
        parsed = sa.make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._gate = _WriterGate()
        if self.is_sqlite:
            path = sqlite_file(url)
            if path is not None and create:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif path is not None and not path.is_file():
                raise DatabaseMissing(path)
            self._writer = _sqlite_engine(parsed, "BEGIN IMMEDIATE", pool_size)
            self._reader = _sqlite_engine(parsed, "BEGIN", pool_size, read_only=True)
        else:
            # JIT off: PostgreSQL compiles a plan it costs as expensive (the dashboard's one scan) at every run,
            # about 0.2 s of LLVM work on 1,000,000 facts that the query itself never wins back; the hub's other
            # statements are short and never reach JIT's threshold.
            self._writer = sa.create_engine(
                parsed,
                hide_parameters=True,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args={"options": "-c jit=off"},
            )
            # Same pool; every read transaction is READ ONLY, so a read path that writes fails in every test.
            self._reader = self._writer.execution_options(postgresql_readonly=True)

    @contextmanager
    def write(self, *, urgent: bool = False) -> Iterator[Connection]:
        """A write transaction. ``urgent``: a one-row write a reader is waiting on (the audit row of a pull); on
        SQLite it goes ahead of queued pushes."""
        if self.is_sqlite:
            # SQLite has one writer at a time. Queue this process's writers on a gate rather than let them collide
            # in BEGIN IMMEDIATE, where SQLite's busy handler sleeps in growing steps (throughput collapses under
            # load). Other processes on the same file still wait through the busy timeout.
            with self._gate.hold(urgent=urgent), self._writer.begin() as conn:
                yield conn
        else:
            with self._writer.begin() as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._reader.begin() as conn:
            yield conn

    def retrying(self, work: Callable[[Connection], T], *, attempts: int = 8) -> T:
        """Run ``work`` in a write transaction, retrying on races another writer won (unique key, deadlock)."""
        for attempt in range(attempts):
            try:
                with self.write() as conn:
                    return work(conn)
            except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
                if attempt == attempts - 1 or not _transient(exc):
                    raise
                time.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def pool_use(self) -> dict[str, int]:
        """Connections each engine's pool has lent out now (for /metrics)."""
        shared = self._reader.pool is self._writer.pool
        engines = {"writer": self._writer} | ({} if shared else {"reader": self._reader})
        return {name: e.pool.checkedout() for name, e in engines.items() if isinstance(e.pool, QueuePool)}

    def dispose(self) -> None:
        self._writer.dispose()
        if self._reader.pool is not self._writer.pool:
            self._reader.dispose()


class _WriterGate:
    """One writer at a time; urgent writers (short, with a reader waiting) go before the others queued."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0

    @contextmanager
    def hold(self, *, urgent: bool) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:  # re-entered by the thread that holds it
                self._depth += 1
            else:
                self._urgent_waiting += urgent
                while self._owner is not None or (not urgent and self._urgent_waiting):
                    self._cond.wait()
                self._urgent_waiting -= urgent
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._cond.notify_all()


def _transient(exc: sa.exc.DBAPIError) -> bool:
    if isinstance(exc, sa.exc.IntegrityError):
        return True  # a concurrent insert of the same key: the retry sees it and answers from it
    text = str(exc.orig).lower()
    return any(word in text for word in ("deadlock", "could not serialize", "database is locked", "busy"))
