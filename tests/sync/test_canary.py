"""Canary: seed a child's name and an NHS number, use the vault every way the app does, then scan every file in the
data folder (database, WAL, SHM, journal, header, counter, anything else): zero hits, in any common encoding.
Python's own sqlite3 cannot read the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync import Repository, Vault, VaultSettings
from sync._paths import DB_NAME

CHILD = "Zephyrine Quattlebaum"
NHS = "943 476 5919"
PASS = "correct horse battery staple"
NEW_PASS = "violet kettle umbrella sonnet 17"
FAST = VaultSettings.for_tests()


def _needles() -> list[bytes]:
    texts = [CHILD, CHILD.lower(), CHILD.upper(), "Zephyrine", "zephyrine", "Quattlebaum", "quattlebaum"]
    texts += [NHS, NHS.replace(" ", ""), PASS, NEW_PASS]
    out = []
    for text in texts:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            out.append(text.encode(encoding))
    return out


def _scan(data_dir: Path) -> list[str]:
    hits = []
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "nothing to scan"
    for path in files:
        data = path.read_bytes()
        hits += [f"{path.name}: {needle!r}" for needle in _needles() if needle in data]
    return hits


def _use_everything(vault: Vault) -> None:
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": CHILD, "nhs_number": NHS, "postcode": "EX1 1AA"})
    repo.save_record("case", {"nhs_number": NHS.replace(" ", "")}, record_id=case.id)
    note = repo.save_record("note", {"text": f"Home visit: {CHILD} seen alone, NHS {NHS}."}, case_id=case.id)
    repo.save_record("person", {"name": f"Parent of {CHILD}"}, case_id=case.id)
    repo.save_draft("hv_concern", {"child_name": CHILD, "nhs_number": NHS}, case_id=case.id)
    repo.put_attachment(f"body map of {CHILD}".encode(), "text/plain", note.id)
    assert repo.search("zephyr")
    assert repo.search(NHS.replace(" ", ""))
    assert repo.get_record(case.id) is not None
    assert case.id in [c.record.id for c in repo.list_cases(query="quattle")]
    repo.record_event("export", case.id, "fhir")
    for i in range(200):  # enough writes that the WAL holds several pages
        repo.save_record("note", {"text": f"{CHILD} follow-up {i} {NHS}"}, case_id=case.id)


def test_no_personal_data_or_passphrase_in_any_file(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    _use_everything(vault)
    assert (tmp_path / f"{DB_NAME}-wal").exists()
    assert _scan(tmp_path) == []  # while open: WAL and SHM included
    vault.rotate_key()
    vault.change_passphrase(PASS, NEW_PASS)
    _use_everything(vault)
    assert _scan(tmp_path) == []
    vault.lock()
    assert _scan(tmp_path) == []
    again = Vault.open(tmp_path, settings=FAST)
    again.unlock(NEW_PASS)
    assert len(Repository(again).search(CHILD, limit=1000)) > 400
    again.lock()
    assert _scan(tmp_path) == []


def test_the_canary_scan_can_fail(tmp_path: Path) -> None:
    """The scanner itself finds the canary when it is there (so a zero above means something)."""
    (tmp_path / "leak.log").write_text(f"opened case of {CHILD.lower()}", encoding="utf-16-le")
    assert _scan(tmp_path)


def test_python_sqlite3_cannot_open_the_database(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    _use_everything(vault)
    vault.lock()
    conn = sqlite3.connect(tmp_path / DB_NAME)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT name FROM sqlite_master").fetchall()
    conn.close()
