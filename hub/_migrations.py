"""A small versioned migration runner (why not Alembic: see docs/protocol.md, "Storage and migrations").

``MIGRATIONS`` maps a version number to a function run inside one write transaction; ``hub_schema_version`` holds
every version applied. Concurrent hub processes starting together are serialised by a PostgreSQL advisory lock (on
SQLite, by ``BEGIN IMMEDIATE``), so each migration runs exactly once. Never edit a released migration: add one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hub._db import Database
from hub._tables import counters, metadata, schema_version

_LOCK_KEY: Final = 0x4D415348  # "MASH"


def _v1_initial(conn: Connection) -> None:
    # Version 1 is the whole first schema. Later migrations must spell out their own DDL rather than lean on
    # ``metadata``, which will have moved on by then.
    metadata.create_all(conn, checkfirst=True)
    conn.execute(sa.insert(counters), [{"name": "seq", "value": 0}, {"name": "ref", "value": 0}])


MIGRATIONS: Final[dict[int, Callable[[Connection], None]]] = {1: _v1_initial}
LATEST: Final = max(MIGRATIONS)


def migrate(db: Database) -> list[int]:
    """Apply every migration not yet applied; return the versions applied now."""
    with db.write() as conn:
        if not db.is_sqlite:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        schema_version.create(conn, checkfirst=True)
        done = set(conn.execute(sa.select(schema_version.c.version)).scalars())
        newer = {v for v in done if v not in MIGRATIONS}
        if newer:
            raise RuntimeError(f"database schema {max(newer)} is newer than this hub ({LATEST}): upgrade the hub")
        applied = []
        for version in sorted(MIGRATIONS):
            if version in done:
                continue
            MIGRATIONS[version](conn)
            conn.execute(sa.insert(schema_version).values(version=version, applied_at=time.time()))
            applied.append(version)
        return applied
