"""The hub's Alembic migrations: a fresh database at head is exactly the metadata, and a database made by the hub
before Alembic upgrades with its data intact, on SQLite and PostgreSQL.

tests/hub/data/hub-v1.* were made by the hub at commit d4eaa33 (the last one with the old runner): two users enrolled
(hv1, gp1), a case with the child "Upgrade Canary", a referral with its receipt, a note; each device pulled once.
The SQLite file is the database itself; the PostgreSQL one is its ``pg_dump``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub import Settings, create_app
from hub._db import Database
from hub._migrations import BASELINE, _scripts, is_current, migrate
from hub._tables import metadata
from tests.support.postgres import USER, PostgresCluster

DATA = Path(__file__).parent / "data"


def _schema_differences(db: Database) -> list[object]:
    with db.read() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_a_fresh_database_at_head_is_the_metadata(db_url: str) -> None:
    db = Database(db_url, pool_size=1)
    try:
        migrate(db)
        assert _schema_differences(db) == []
        assert is_current(db)
        assert migrate(db) == []  # a second run applies nothing
    finally:
        db.dispose()


def test_a_database_newer_than_the_hub_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'hub.sqlite3'}", pool_size=1)
    try:
        migrate(db)
        with db.write() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        assert not is_current(db)
        with pytest.raises(RuntimeError, match="9999 is newer than this hub"):
            migrate(db)
    finally:
        db.dispose()


def _check_upgraded(url: str) -> None:
    db = Database(url, pool_size=1)
    try:
        assert migrate(db) == _after(BASELINE)  # stamped at the baseline, then everything newer
        assert _schema_differences(db) == []
        with db.read() as conn:
            names = set(conn.execute(sa.text("SELECT username FROM users")).scalars())
            kinds = sorted(conn.execute(sa.text("SELECT record_type FROM records")).scalars())
            case_fields = conn.execute(sa.text("SELECT fields FROM records WHERE record_type = 'case'")).scalar_one()
            receipt = conn.execute(sa.text("SELECT receipt_ref FROM records WHERE record_type = 'referral'")).scalar()
            seq = conn.execute(sa.text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one()
        assert names == {"hv1", "gp1"}
        assert kinds == ["case", "note", "referral"]
        assert "Upgrade Canary" in case_fields
        assert receipt is not None
        assert seq == 3
    finally:
        db.dispose()
    # The upgraded database serves: the hub starts on it and its next write takes the next sequence number.
    app = create_app(Settings(db_url=url, lane_threads=1))
    app.state.db.dispose()


def _after(revision: str) -> list[str]:
    """Revisions newer than ``revision``, oldest first."""
    newer = [s.revision for s in _scripts().iterate_revisions("heads", revision) if s.revision != revision]
    return list(reversed(newer))


def test_a_sqlite_database_made_before_alembic_upgrades_with_its_data(tmp_path: Path) -> None:
    copy = tmp_path / "hub.sqlite3"
    shutil.copyfile(DATA / "hub-v1.sqlite3", copy)
    _check_upgraded(f"sqlite:///{copy}")


@pytest.mark.postgres
def test_a_postgres_database_made_before_alembic_upgrades_with_its_data(pg_cluster: PostgresCluster) -> None:
    url = pg_cluster.create_database("upgrade_from_v1")
    database = sa.make_url(url).database
    assert database is not None
    dump = str(DATA / "hub-v1.postgres.sql")
    subprocess.run(
        [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(pg_cluster.port),
            "-U",
            USER,
            "-d",
            database,
            "-f",
            dump,
        ],
        check=True,
        capture_output=True,
    )
    _check_upgraded(url)
