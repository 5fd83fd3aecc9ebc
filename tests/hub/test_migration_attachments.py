"""Revision 0004 carries attachments over from one owner per sha256 to one link per (sha256, case)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from hub._db import Database
from hub._migrations import _config, _scripts, migrate
from tests.support.postgres import PostgresCluster

CASE = "11111111-1111-4111-8111-111111111111"
USER = "22222222-2222-4222-8222-222222222222"
DONE, HALF, LOOSE = "a" * 64, "b" * 64, "c" * 64


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it (the suite's ``db_url`` is already at head)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"empty_{uuid.uuid4().hex[:8]}")


def test_attachments_become_links_of_their_cases_and_unfinished_uploads_resume(empty_db_url: str) -> None:
    db = Database(empty_db_url, pool_size=1)
    try:
        with db.write() as conn:
            command.upgrade(_config(conn), "0003")
            rows = [(DONE, CASE, True), (HALF, CASE, False), (LOOSE, None, True)]
            for sha, case, complete in rows:
                conn.execute(
                    sa.text(
                        "INSERT INTO attachments (sha256, size, case_id, created_by, complete, created_at) "
                        "VALUES (:sha, 10, :case, :user, :complete, 1.0)"
                    ),
                    {"sha": sha, "case": case, "user": USER, "complete": complete},
                )
                conn.execute(
                    sa.text("INSERT INTO attachment_chunks (sha256, idx, data) VALUES (:sha, 0, :data)"),
                    {"sha": sha, "data": sha[:1].encode() * 10},
                )
        assert migrate(db) == ["0004", *_later()]
        with db.read() as conn:
            links = set(conn.execute(sa.text("SELECT sha256, case_id, complete FROM attachment_links")))
            parts = set(conn.execute(sa.text("SELECT sha256, case_id, idx FROM attachment_parts")))
            chunks = set(conn.execute(sa.text("SELECT sha256, idx FROM attachment_chunks")))
        assert {(sha, case, bool(done)) for sha, case, done in links} == {(DONE, CASE, True), (HALF, CASE, False)}
        assert parts == {(HALF, CASE, 0)}  # the unfinished upload keeps its chunk, as its case's part
        assert chunks == {(DONE, 0)}  # only verified content stays shared; the caseless one is gone
    finally:
        db.dispose()


def _later() -> list[str]:
    newer = [s.revision for s in _scripts().iterate_revisions("heads", "0004") if s.revision != "0004"]
    return list(reversed(newer))
