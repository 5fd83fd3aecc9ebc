"""Backups of a running hub, and restores into an empty database.

SQLite: SQLite's online backup API copies the database as one consistent snapshot while the hub keeps writing
(under WAL, readers never block writers). PostgreSQL: ``pg_dump --format=custom``, which dumps from one repeatable-read
snapshot, and ``pg_restore`` in one transaction. Photographs are rows of ``attachment_chunks``, so every backup holds
them. A backup file is named by what it is: it starts with "SQLite format 3" or "PGDMP"; a restore reads that,
refuses a target that already holds a hub, and migrates the restored database to this hub's schema.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Final

import sqlalchemy as sa

from hub._db import Database
from hub._errors import AdminError
from hub._migrations import migrate

_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_PG_MAGIC: Final = b"PGDMP"


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise AdminError("an in-memory database has nothing to back up")
    return Path(url.database)


def _libpq_url(url: sa.URL) -> str:
    """The URL pg_dump and pg_restore take (no SQLAlchemy driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not candidates:
            raise AdminError(f"{name} is not installed: install PostgreSQL's client tools")
        found = str(candidates[-1])
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our own arguments)
    if done.returncode != 0:
        # pg tools' messages name objects, not row content; the first line is enough to act on.
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise AdminError(f"{Path(command[0]).name} failed: {first}")


def backup(db_url: str, target: Path) -> Path:
    """Write a consistent copy of the hub's database to ``target`` (replaced atomically); return it."""
    url = sa.make_url(db_url)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        if not source.is_file():
            raise AdminError(f"no hub database at {source}")
        with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
            src.backup(dst)
        sqlite3.connect(partial).close()
    else:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
              "--dbname", _libpq_url(url)])  # fmt: skip
    with partial.open("rb") as f:
        os.fsync(f.fileno())
    partial.replace(target)
    return target


def _kind(source: Path) -> str:
    with source.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(_PG_MAGIC):
        return "postgresql"
    raise AdminError(f"{source} is not a hub backup (neither a SQLite database nor a pg_dump archive)")


def _holds_a_hub(db_url: str) -> bool:
    engine = sa.create_engine(db_url, hide_parameters=True)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).has_table("records")
    finally:
        engine.dispose()


def restore(source: Path, db_url: str) -> None:
    """Restore a backup into ``db_url``, which must not hold a hub yet; then bring it to this hub's schema."""
    if not source.is_file():
        raise AdminError(f"no backup at {source}")
    kind, url = _kind(source), sa.make_url(db_url)
    if kind != url.get_backend_name():
        raise AdminError(f"a {kind} backup restores into a {kind} database, not {url.get_backend_name()}")
    if kind == "sqlite":
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise AdminError(f"{path} exists: restore into a new file")
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
    else:
        if _holds_a_hub(db_url):
            raise AdminError("that database already holds a hub: restore into an empty database")
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              "--dbname", _libpq_url(url), str(source)])  # fmt: skip
    db = Database(db_url, pool_size=1)
    try:
        migrate(db)  # a backup made by an older hub comes up to this one's schema
    finally:
        db.dispose()
