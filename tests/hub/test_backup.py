"""Backups taken while devices write hold every mutation the hub acknowledged before the backup began, and the
photographs; they restore into a new database that a hub serves; bad sources and targets are refused plainly."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub._backup import backup, restore
from hub._db import Database
from hub._errors import AdminError
from tests.hub.conftest import Hub, new_case
from tests.support.hubproc import HubError, HubProcess
from tests.support.postgres import PostgresCluster


def _restored_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database("restored_" + hashlib.sha256(db_url.encode()).hexdigest()[:8])


def test_a_backup_while_devices_write_holds_everything_acknowledged_before_it(
    hub: Hub, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    device = hub.device("hv1")
    photo = b"\xff\xd8\xff" + bytes(range(256)) * 40
    sha = hashlib.sha256(photo).hexdigest()
    case = new_case()
    device.push(case)
    put = device.client.put(
        f"/v1/attachments/{sha}/chunks/0",
        params={"size": len(photo), "case_id": case["case_id"]},
        content=photo,
        headers=device.headers,
    )
    assert put.json()["complete"] is True

    acknowledged: list[str] = []
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            mutation = new_case()
            if device.push(mutation)[0]["outcome"] == "applied":
                acknowledged.append(mutation["mutation_id"])

    writer = threading.Thread(target=write)
    writer.start()
    while len(acknowledged) < 5:  # wait until writes are flowing
        writer.join(0.01)
    snapshot = list(acknowledged)  # acknowledged before the backup began
    file = backup(db_url, tmp_path / "backups" / "hub.backup")
    stop.set()
    writer.join(30)
    assert len(acknowledged) > len(snapshot)  # the writer kept writing around the backup

    target = _restored_url(db_url, tmp_path, request)
    restore(file, target)
    db = Database(target, pool_size=1)
    try:
        with db.read() as conn:
            stored = set(conn.execute(sa.text("SELECT mutation_id FROM mutations")).scalars())
            chunks = conn.execute(sa.text("SELECT data FROM attachment_chunks WHERE sha256 = :s"), {"s": sha})
            photo_back = b"".join(chunks.scalars())
    finally:
        db.dispose()
    assert set(snapshot) <= stored
    assert photo_back == photo


def test_a_restore_refuses_a_target_that_holds_a_hub(hub: Hub, db_url: str, tmp_path: Path) -> None:
    file = backup(db_url, tmp_path / "hub.backup")
    with pytest.raises(AdminError, match=r"restore into (a new file|an empty database)"):
        restore(file, db_url)


def test_bad_backups_and_missing_databases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AdminError, match="no hub database at"):
        backup(f"sqlite:///{tmp_path / 'missing.sqlite3'}", tmp_path / "x.backup")
    assert not (tmp_path / "missing.sqlite3").exists()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup")
    with pytest.raises(AdminError, match="is not a hub backup"):
        restore(junk, f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with pytest.raises(AdminError, match="no backup at"):
        restore(tmp_path / "nothing.backup", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    sqlite_backup = tmp_path / "sqlite.backup"
    sqlite_backup.write_bytes(b"SQLite format 3\x00" + bytes(100))
    with pytest.raises(AdminError, match="a sqlite backup restores into a sqlite database"):
        restore(sqlite_backup, "postgresql+psycopg://app@127.0.0.1:1/none")


@pytest.mark.slow
def test_backup_and_restore_through_the_cli(tmp_path: Path) -> None:
    source = HubProcess(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    source.cli("demo")
    assert source.cli("backup", str(tmp_path / "demo.backup")).startswith("backed up to ")
    restored = HubProcess(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    assert restored.cli("restore", str(tmp_path / "demo.backup")) == f"restored {tmp_path / 'demo.backup'}\n"
    assert restored.cli("users", "list") == source.cli("users", "list")
    with pytest.raises(HubError, match="exists: restore into a new file"):
        restored.cli("restore", str(tmp_path / "demo.backup"))
