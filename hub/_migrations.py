"""The hub's schema migrations: Alembic revisions in ``hub/migrations/versions``, run from code (no alembic.ini).

``migrate(db)`` brings a database to the latest revision in one write transaction. Concurrent hub processes
starting together are serialised by a PostgreSQL advisory lock (on SQLite, by ``BEGIN IMMEDIATE``), so each revision
runs exactly once. A database newer than this hub is refused. Databases made before Alembic (``hub_schema_version``
holding 1) are stamped at the baseline revision, whose DDL is exactly what they already have.

To change the schema: add ``hub/migrations/versions/NNNN_what.py`` (``down_revision`` = the current head) spelling
out its own DDL with ``op.*`` (never ``hub._tables.metadata``, which moves on), and change ``hub/_tables.py`` to
match. ``tests/hub/test_migrations.py`` checks that a fresh database at head matches the metadata and that a database
made by an older hub upgrades with its data intact. Released revisions are never edited.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from hub import _store
from hub._db import Database

_LOCK_KEY: Final = 0x4D415348  # "MASH"
BASELINE: Final = "0001"


def _config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "hub:migrations")
    config.attributes["connection"] = conn
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


HEAD: Final = _scripts().get_current_head()


def _made_before_alembic(conn: Connection) -> bool:
    if not sa.inspect(conn).has_table("hub_schema_version"):
        return False
    return 1 in set(conn.execute(sa.text("SELECT version FROM hub_schema_version")).scalars())


def migrate(db: Database) -> list[str]:
    """Apply every revision not yet applied; return the revisions applied now, oldest first."""
    scripts = _scripts()
    with db.write() as conn:
        if not db.is_sqlite:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config = _config(conn)
        current = set(MigrationContext.configure(conn).get_current_heads())
        if not current and _made_before_alembic(conn):
            command.stamp(config, BASELINE)
            current = {BASELINE}
        known = {script.revision for script in scripts.walk_revisions()}
        if unknown := current - known:
            raise RuntimeError(f"database schema {max(unknown)} is newer than this hub ({HEAD}): upgrade the hub")
        pending = [s.revision for s in scripts.iterate_revisions("heads", tuple(current) or "base")]
        pending = [r for r in pending if r not in current]
        command.upgrade(config, "head")
        _store.settle_horizon(conn)  # every run: a restore into another cluster needs it without a new revision
        return list(reversed(pending))


def is_current(db: Database) -> bool:
    """True when the database answers and is at this hub's latest revision (what readiness means)."""
    with db.read() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == {HEAD}
