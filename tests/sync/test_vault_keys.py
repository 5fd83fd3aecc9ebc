"""Passphrase change and key rotation, including a crash between each phase of the rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from sync import (
    Repository,
    Vault,
    VaultError,
    VaultSettings,
    WeakPassphrase,
    WrongPassphrase,
    _keys,
    _sqlcipher,
    _vault,
)
from sync._paths import HEADER_NAME

PASS = "correct horse battery staple"
NEW = "violet kettle umbrella sonnet 17"
FAST = VaultSettings.for_tests()


class Crash(BaseException):
    """Stands in for a kill: nothing after it runs."""


def _vault_with_a_note(tmp_path: Path) -> tuple[Vault, str]:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    case = Repository(vault).save_record("case", {"child_name": "Kept Through Rotation"})
    return vault, str(case.id)


def _reopen(tmp_path: Path, passphrase: str = PASS) -> Vault:
    vault = Vault.open(tmp_path, settings=FAST)
    vault.unlock(passphrase)
    return vault


def test_change_passphrase_rewraps_only(tmp_path: Path) -> None:
    vault, rid = _vault_with_a_note(tmp_path)
    db_key_before = bytes(vault._key or b"")
    vault.change_passphrase(PASS, NEW)
    assert bytes(vault._key or b"") == db_key_before
    vault.lock()
    with pytest.raises(WrongPassphrase):
        _reopen(tmp_path, PASS)
    again = _reopen(tmp_path, NEW)
    assert [str(r.id) for r in Repository(again).list_records()] == [rid]
    again.lock()


def test_change_passphrase_checks_old_and_strength(tmp_path: Path) -> None:
    vault, _ = _vault_with_a_note(tmp_path)
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase("not my passphrase at all", NEW)
    with pytest.raises(WeakPassphrase):
        vault.change_passphrase(PASS, "password1")
    assert vault.failed_attempts == 0
    vault.lock()
    _reopen(tmp_path, PASS).lock()


def test_rotate_key_changes_the_key_and_keeps_the_data(tmp_path: Path) -> None:
    vault, rid = _vault_with_a_note(tmp_path)
    key_before = bytes(vault._key or b"")
    vault.rotate_key()
    assert bytes(vault._key or b"") != key_before
    assert _keys.read_header(tmp_path / HEADER_NAME).pending is None
    assert Repository(vault).get_record(UUID(rid)) is not None
    vault.lock()
    again = _reopen(tmp_path)
    assert [str(r.id) for r in Repository(again).list_records()] == [rid]
    again.lock()


@pytest.mark.parametrize("crash_at", ["before rekey", "after rekey"])
def test_a_crash_between_phases_still_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str) -> None:
    vault, rid = _vault_with_a_note(tmp_path)
    writes = []
    real_write = _keys.write_header

    def crashing_write(path: Path, header: _keys.Header) -> None:
        writes.append(header)
        if crash_at == "after rekey" and len(writes) == 2:
            raise Crash  # phase 3 never happens: the database is under the pending key
        real_write(path, header)

    real_expect = _sqlcipher.expect

    def crashing_expect(conn: Any, pragma: str, answer: str) -> None:
        if crash_at == "before rekey" and "DELETE" in pragma:
            raise Crash  # phase 2 never happens: the database is under the current key
        real_expect(conn, pragma, answer)

    monkeypatch.setattr(_vault, "write_header", crashing_write)
    monkeypatch.setattr(_sqlcipher, "expect", crashing_expect)
    with pytest.raises(Crash):
        vault.rotate_key()
    monkeypatch.undo()
    assert not vault.is_unlocked  # a failed rotation locks: the next unlock finds out which key is in use
    assert _keys.read_header(tmp_path / HEADER_NAME).pending is not None
    again = _reopen(tmp_path)
    header = _keys.read_header(tmp_path / HEADER_NAME)
    assert header.pending is None  # the rotation was finished or abandoned
    assert (header.key == writes[0].pending) == (crash_at == "after rekey")
    assert [str(r.id) for r in Repository(again).list_records()] == [rid]
    with again.read() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.lock()


def test_rotation_refused_by_another_connection_locks_and_recovers(tmp_path: Path) -> None:
    vault, rid = _vault_with_a_note(tmp_path)
    other = _reopen(tmp_path)  # a second app instance on the same folder
    with pytest.raises(VaultError, match="another copy of the app has the vault open"):
        vault.rotate_key()
    assert not vault.is_unlocked
    other.lock()
    again = _reopen(tmp_path)
    assert [str(r.id) for r in Repository(again).list_records()] == [rid]
    assert _keys.read_header(tmp_path / HEADER_NAME).pending is None
    again.lock()
