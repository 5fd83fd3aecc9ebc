"""The vault's one open connection, shared by threads, with its transactions.

Every use holds the vault's re-entrant lock. ``transaction()`` is ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back if
the block raises); a block opened inside another on the same thread becomes a SAVEPOINT of it. ``close()`` from
inside a block (the vault locking itself) leaves nothing of the block: it fails with VaultLocked instead of
committing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sync._errors import VaultLocked
from sync._sqlcipher import Connection, DbConnection, close_quietly


class GuardedConnection:
    def __init__(self, conn: Connection, mutex: threading.RLock) -> None:
        self._conn: Connection | None = conn
        self._mutex = mutex
        self._depth = 0

    @property
    def in_transaction_block(self) -> bool:
        return self._depth > 0

    def raw(self) -> Connection:
        """The connection itself, for what must run outside any transaction (rekey)."""
        if self._conn is None:
            raise VaultLocked()
        return self._conn

    def close(self) -> None:
        """Close at once, dropping an open transaction; a block still running on this thread then fails."""
        with self._mutex:
            conn, self._conn = self._conn, None
            if conn is not None:
                close_quietly(conn, rollback=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[DbConnection]:
        """The connection for reading (no other thread writes meanwhile)."""
        with self._mutex:
            yield self.raw()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DbConnection]:
        with self._mutex:
            conn = self.raw()
            if self._depth:
                name = f"sp{self._depth}"
                conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield conn
                except BaseException:
                    if self._holds(conn):
                        conn.execute(f"ROLLBACK TO {name}")
                        conn.execute(f"RELEASE {name}")
                    raise
                else:
                    if not self._holds(conn):
                        raise VaultLocked()
                    conn.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield conn
            except BaseException:
                if self._holds(conn) and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                if not self._holds(conn):  # closed from inside the block: the connection is gone, nothing stored
                    raise VaultLocked()
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                self._depth = 0

    def _holds(self, conn: Connection) -> bool:
        return self._conn is conn


__all__ = ["GuardedConnection"]
