"""Schema migrations: apply ``sync._schema.MIGRATIONS`` in order, tracking the number in ``PRAGMA user_version``.

Each migration runs in its own transaction with the version bump, so a crash leaves the vault at a whole version.
A vault newer than this app is refused (VaultTooNew) before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sync import _schema
from sync._errors import VaultTooNew

if TYPE_CHECKING:
    from sync._sqlcipher import DbConnection


def schema_version(conn: DbConnection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: DbConnection, migrations: Mapping[int, str] | None = None) -> int:
    """The vault's schema version; raises VaultTooNew when this app cannot read it."""
    latest = max(migrations or _schema.MIGRATIONS)
    found = schema_version(conn)
    if found > latest:
        raise VaultTooNew(found, latest)
    return found


def migrate(conn: DbConnection, migrations: Mapping[int, str] | None = None) -> int:
    """Bring the schema up to the latest version; returns it. ``conn`` must be in autocommit mode."""
    steps = migrations if migrations is not None else _schema.MIGRATIONS
    current = check_version(conn, steps)
    for number in sorted(n for n in steps if n > current):
        # executescript runs the whole script; BEGIN/COMMIT inside it make the step and its bump one transaction.
        script = f"BEGIN IMMEDIATE;\n{steps[number]}\nPRAGMA user_version = {int(number)};\nCOMMIT;"
        try:
            conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        current = number
    return current


__all__ = ["check_version", "migrate", "schema_version"]
