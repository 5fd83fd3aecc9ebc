"""Damaged, truncated, foreign and tampered files are reported clearly and never replaced; schema migrations."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from sync import (
    RecordInput,
    Repository,
    Vault,
    VaultCorrupt,
    VaultSettings,
    VaultTooNew,
    WrongPassphrase,
    _keys,
    _schema,
)
from sync._paths import DB_NAME, HEADER_NAME

PASS = "correct horse battery staple"
FAST = VaultSettings.for_tests()


def _make(tmp_path: Path, records: int = 120) -> list[str]:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": "Test Child"})
    notes = [RecordInput("note", {"text": f"note {i} " + "words " * 40}, case_id=case.id) for i in range(records)]
    ids = [str(case.id)] + [str(r.id) for r in repo.save_records(notes)]
    vault.lock()
    return ids


def _fingerprint(tmp_path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.iterdir()) if p.is_file()}


def _flip(path: Path, offset: int, count: int = 16) -> None:
    data = bytearray(path.read_bytes())
    for i in range(offset, offset + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _replace_with_plain_sqlite(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    conn.close()


def _unlock(tmp_path: Path) -> None:
    Vault.open(tmp_path, settings=FAST).unlock(PASS)


DAMAGE: dict[str, Callable[[Path], object]] = {
    "truncated mid-page": lambda d: os.truncate(d / DB_NAME, (d / DB_NAME).stat().st_size - 100),
    "truncated to whole pages": lambda d: os.truncate(d / DB_NAME, (d / DB_NAME).stat().st_size // 2 // 4096 * 4096),
    "empty database": lambda d: os.truncate(d / DB_NAME, 0),
    "bit flips in page 1": lambda d: _flip(d / DB_NAME, 200),
    "bit flips in a middle page": lambda d: _flip(d / DB_NAME, (d / DB_NAME).stat().st_size // 4096 // 2 * 4096 + 900),
    "foreign random file": lambda d: (d / DB_NAME).write_bytes(os.urandom(8 * 4096)),
    "plain sqlite file": lambda d: _replace_with_plain_sqlite(d / DB_NAME),
    "database missing": lambda d: (d / DB_NAME).unlink(),
    "header missing": lambda d: (d / HEADER_NAME).unlink(),
    "header truncated": lambda d: (d / HEADER_NAME).write_bytes((d / HEADER_NAME).read_bytes()[:50]),
    "header bit flip": lambda d: _flip(d / HEADER_NAME, 120, 1),
    "header from another app": lambda d: (d / HEADER_NAME).write_text('{"magic": "something-else"}'),
    "header not json": lambda d: (d / HEADER_NAME).write_bytes(os.urandom(300)),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damage_is_reported_and_nothing_is_replaced(tmp_path: Path, damage: str) -> None:
    _make(tmp_path)
    DAMAGE[damage](tmp_path)
    before = _fingerprint(tmp_path)
    with pytest.raises(VaultCorrupt) as err:
        _unlock(tmp_path)
    assert "damaged" in str(err.value)
    assert err.value.detail
    after = _fingerprint(tmp_path)
    after.pop("vault.lockout", None)  # a tried unlock updates the counter file, nothing else
    before.pop("vault.lockout", None)
    assert after == before
    with pytest.raises(VaultCorrupt):  # and it stays reported: nothing was "repaired"
        _unlock(tmp_path)


def test_tampered_header_with_fixed_checksum_reads_as_wrong_passphrase(tmp_path: Path) -> None:
    _make(tmp_path, records=1)
    header = _keys.read_header(tmp_path / HEADER_NAME)
    forged = _keys.Header(
        device_id="00000000-0000-4000-8000-000000000000",
        state="active",
        salt=header.salt,
        kdf=header.kdf,
        key=header.key,
    )
    _keys.write_header(tmp_path / HEADER_NAME, forged)
    with pytest.raises(WrongPassphrase):
        _unlock(tmp_path)


def _rewrite_header(tmp_path: Path, **changes: object) -> None:
    body = json.loads((tmp_path / HEADER_NAME).read_text())
    body.pop("checksum")
    for dotted, value in changes.items():
        target = body
        *path, last = dotted.split("__")
        for part in path:
            target = target[part]
        target[last] = value
    body["checksum"] = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    (tmp_path / HEADER_NAME).write_text(json.dumps(body))


@pytest.mark.parametrize(
    "change", [{"kdf__memory_kib": 2**40}, {"kdf__iterations": 10**9}, {"kdf__lanes": 0}, {"kdf__alg": "md5"}]
)
def test_a_header_asking_for_an_absurd_kdf_cost_is_refused(tmp_path: Path, change: dict[str, object]) -> None:
    _make(tmp_path, records=1)
    _rewrite_header(tmp_path, **change)
    with pytest.raises(VaultCorrupt, match="incomplete"):
        Vault.open(tmp_path, settings=FAST)


def test_header_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    _make(tmp_path, records=1)
    _rewrite_header(tmp_path, format=_keys.HEADER_FORMAT + 1)
    with pytest.raises(VaultTooNew) as err:
        Vault.open(tmp_path, settings=FAST)
    assert err.value.found == _keys.HEADER_FORMAT + 1
    assert "newer version" in str(err.value)


def test_python_sqlite3_cannot_read_the_vault(tmp_path: Path) -> None:
    _make(tmp_path, records=1)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


# --- migrations ----------------------------------------------------------------------------------------------------


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    with vault.transaction() as conn:
        conn.execute(f"PRAGMA user_version = {_schema.LATEST_VERSION + 1}")
    vault.lock()
    before = _fingerprint(tmp_path)
    with pytest.raises(VaultTooNew) as err:
        _unlock(tmp_path)
    assert (err.value.found, err.value.supported) == (_schema.LATEST_VERSION + 1, _schema.LATEST_VERSION)
    assert "Update the app" in str(err.value)
    assert _fingerprint(tmp_path)[DB_NAME] == before[DB_NAME]


def _hand_made_vault(tmp_path: Path, script: str) -> None:
    """A vault built without Vault.create: a header and a database holding only ``script``."""
    device_id = "0190a3a0-0000-7000-8000-000000000001"
    salt, key = _keys.new_salt(), _keys.new_key()
    kek = _keys.derive_kek(PASS, salt, FAST.kdf)
    header = _keys.Header(device_id, "active", salt, FAST.kdf, _keys.wrap_key(kek, key, device_id))
    shell = Vault(tmp_path, header, FAST, clock=lambda: 0.0)
    conn = shell._connect(key)  # a bare encrypted connection: no migration runs
    conn.executescript(script)
    conn.close()
    _keys.write_header(tmp_path / HEADER_NAME, header)


V1_FIXTURE = (
    _schema.MIGRATIONS[1]
    + """
PRAGMA user_version = 1;
INSERT INTO records (id, type, case_id, body, created_at, updated_at) VALUES
    ('0190a3a0-0000-7000-8000-0000000000aa', 'case', '0190a3a0-0000-7000-8000-0000000000aa',
     '{"child_name": "From version 1"}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
"""
)


def test_an_empty_version_0_database_is_brought_up_to_date(tmp_path: Path) -> None:
    _hand_made_vault(tmp_path, "PRAGMA user_version = 0;")
    vault = Vault.open(tmp_path, settings=FAST)
    vault.unlock(PASS)
    assert vault.schema_version == _schema.LATEST_VERSION
    assert Repository(vault).list_records() == []
    vault.lock()


def test_a_version_1_vault_upgrades_and_keeps_its_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hand_made_vault(tmp_path, V1_FIXTURE)
    steps = {1: _schema.MIGRATIONS[1], 2: "ALTER TABLE records ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';"}
    monkeypatch.setattr(_schema, "MIGRATIONS", steps)
    vault = Vault.open(tmp_path, settings=FAST)
    vault.unlock(PASS)
    assert vault.schema_version == 2
    [record] = Repository(vault).list_records()
    assert record.body == {"child_name": "From version 1"}
    with vault.read() as conn:
        assert conn.execute("SELECT tags FROM records").fetchone()[0] == "[]"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    vault.lock()


def test_a_failing_migration_leaves_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hand_made_vault(tmp_path, V1_FIXTURE)
    steps = {1: _schema.MIGRATIONS[1], 2: "CREATE TABLE fine (x); CREATE TABLE records (x);"}  # the 2nd fails
    monkeypatch.setattr(_schema, "MIGRATIONS", steps)
    with pytest.raises(Exception, match="already exists"):
        _unlock(tmp_path)
    monkeypatch.setattr(_schema, "MIGRATIONS", {1: _schema.MIGRATIONS[1]})
    vault = Vault.open(tmp_path, settings=FAST)
    vault.unlock(PASS)
    assert vault.schema_version == 1
    with vault.read() as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'fine'").fetchone()[0] == 0
    vault.lock()


def test_plain_sqlite_library_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a SQLite that has no encryption, ``PRAGMA cipher_version`` is empty: the vault refuses to run."""
    from sync import VaultInsecure

    _make(tmp_path, records=1)
    before = _fingerprint(tmp_path)
    monkeypatch.setattr("sync._sqlcipher.dbapi2.connect", sqlite3.connect)  # Python's own, unencrypted SQLite
    with pytest.raises(VaultInsecure):
        _unlock(tmp_path)
    with pytest.raises(VaultInsecure):
        Vault.create(tmp_path / "new", PASS, settings=FAST)
    assert _fingerprint(tmp_path)[DB_NAME] == before[DB_NAME]


V2_FIXTURE = (
    _schema.MIGRATIONS[1]
    + _schema.MIGRATIONS[2]
    + """
PRAGMA user_version = 2;
INSERT INTO records (id, type, case_id, body, created_at, updated_at) VALUES
    ('0190a3a0-0000-7000-8000-0000000000bb', 'note', '0190a3a0-0000-7000-8000-0000000000aa',
     '{"text": "Seen with Nain at 943 476 5919"}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO search (rowid, record_id, case_id, kind, text) VALUES (7, '0190a3a0-0000-7000-8000-0000000000bb',
    '0190a3a0-0000-7000-8000-0000000000aa', 'note', 'Seen with Nain at 943 476 5919' || char(10) || '9434765919');
INSERT INTO search_map (record_id, doc) VALUES ('0190a3a0-0000-7000-8000-0000000000bb', 7);
"""
)


def test_a_version_2_search_index_moves_to_the_contentless_one(tmp_path: Path) -> None:
    _hand_made_vault(tmp_path, V2_FIXTURE)
    vault = Vault.open(tmp_path, settings=FAST)
    vault.unlock(PASS)
    assert vault.schema_version == _schema.LATEST_VERSION
    repo = Repository(vault)
    for query in ("nain", "9434765919", "943 476"):
        [hit] = repo.search(query)
        assert str(hit.record_id) == "0190a3a0-0000-7000-8000-0000000000bb"
    assert repo.search("absent") == []
    with vault.read() as conn:  # no second copy of the text is kept
        assert (
            conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('search_map', 'search_content')"
            ).fetchone()[0]
            == 0
        )
    vault.lock()
