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


def _v2_console(conn: Connection) -> None:
    # The console's tables (hub._console_tables), spelled out so that later changes to those Table objects cannot
    # change what this migration made.
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if conn.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    for ddl in (
        """CREATE TABLE staff_credentials (
            user_id VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES users (user_id),
            password_hash TEXT NOT NULL,
            totp_secret VARCHAR(64),
            totp_pending VARCHAR(64),
            totp_last_step BIGINT,
            failed_count INTEGER NOT NULL,
            locked_until DOUBLE PRECISION,
            updated_at DOUBLE PRECISION NOT NULL)""",
        """CREATE TABLE console_sessions (
            session_hash VARCHAR(64) NOT NULL PRIMARY KEY,
            user_id VARCHAR(36) NOT NULL REFERENCES users (user_id),
            stage VARCHAR(20) NOT NULL,
            csrf_token VARCHAR(64) NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            last_seen_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            ended_at DOUBLE PRECISION)""",
        "CREATE INDEX console_sessions_by_user ON console_sessions (user_id)",
        """CREATE TABLE screenings (
            record_id VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES records (record_id),
            rating VARCHAR(10),
            rated_at DOUBLE PRECISION,
            worker_id VARCHAR(36) REFERENCES users (user_id),
            already_open BOOLEAN NOT NULL,
            allocated_worker VARCHAR(200),
            updated_at DOUBLE PRECISION NOT NULL)""",
        f"""CREATE TABLE screening_events (
            event_id {serial},
            record_id VARCHAR(36) NOT NULL REFERENCES records (record_id),
            at DOUBLE PRECISION NOT NULL,
            actor VARCHAR(64) NOT NULL,
            action VARCHAR(40) NOT NULL,
            from_value TEXT,
            to_value TEXT,
            text TEXT)""",
        "CREATE INDEX screening_events_by_record ON screening_events (record_id, event_id)",
    ):
        conn.exec_driver_sql(ddl)


MIGRATIONS: Final[dict[int, Callable[[Connection], None]]] = {1: _v1_initial, 2: _v2_console}
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
