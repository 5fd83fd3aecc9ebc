"""Create, open, unlock, lock, transactions and the meta table."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import Vault, VaultExists, VaultLocked, VaultNotFound, VaultSettings, WeakPassphrase

PASS = "correct horse battery staple"
FAST = VaultSettings.for_tests()


def test_create_returns_an_unlocked_vault_with_the_latest_schema(tmp_path: Path) -> None:
    from sync._schema import LATEST_VERSION

    vault = Vault.create(tmp_path / "v", PASS, settings=FAST, device_label="laptop 7")
    assert vault.is_unlocked
    assert vault.schema_version == LATEST_VERSION
    assert vault.meta_get("device_id") == vault.device_id
    assert vault.meta_get("device_label") == "laptop 7"
    assert Vault.exists(tmp_path / "v")
    vault.lock()


def test_weak_passphrase_is_refused_with_a_message_and_suggestions(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase) as err:
        Vault.create(tmp_path / "v", "password123", settings=FAST)
    assert "guess" in err.value.message or "characters" in err.value.message
    assert err.value.suggestions
    assert not Vault.exists(tmp_path / "v")


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    with pytest.raises(VaultExists):
        Vault.create(tmp_path, PASS, settings=FAST)


def test_open_missing_vault(tmp_path: Path) -> None:
    assert not Vault.exists(tmp_path)
    with pytest.raises(VaultNotFound):
        Vault.open(tmp_path, settings=FAST)


def test_open_is_locked_and_unlock_gives_back_the_data(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    with vault.transaction() as conn:
        Vault.meta_set(conn, "hub_url", "https://hub.example")
    vault.lock()
    assert not vault.is_unlocked
    with pytest.raises(VaultLocked):
        vault.meta_get("hub_url")
    again = Vault.open(tmp_path, settings=FAST)
    assert not again.is_unlocked
    again.unlock(PASS)
    assert again.meta_get("hub_url") == "https://hub.example"
    assert again.device_id == vault.device_id
    again.lock()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)

    def write_then_fail() -> None:
        with vault.transaction() as conn:
            Vault.meta_set(conn, "k", "v")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match=r"^boom$"):
        write_then_fail()
    assert vault.meta_get("k") is None
    vault.lock()


def test_nested_transaction_is_a_savepoint(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)

    def inner_fails() -> None:
        with vault.transaction() as inner:
            Vault.meta_set(inner, "inner", "1")
            raise RuntimeError("inner fails")

    with vault.transaction() as outer:
        Vault.meta_set(outer, "outer", "1")
        with pytest.raises(RuntimeError, match=r"^inner fails$"):
            inner_fails()
    assert vault.meta_get("outer") == "1"
    assert vault.meta_get("inner") is None
    vault.lock()


def test_lock_if_idle(tmp_path: Path) -> None:
    import time

    vault = Vault.create(tmp_path, PASS, settings=VaultSettings.for_tests(idle_lock_seconds=300))
    vault.touch()
    now = time.monotonic()
    assert not vault.lock_if_idle(now + 299)
    assert vault.is_unlocked
    assert vault.lock_if_idle(now + 301)
    assert not vault.is_unlocked
    with pytest.raises(VaultLocked), vault.transaction():
        pass


def test_data_dir_order_cli_then_env_then_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync import resolve_data_dir
    from sync._paths import ENV_VAR

    monkeypatch.setenv(ENV_VAR, str(tmp_path / "from-env"))
    assert resolve_data_dir(tmp_path / "from-cli") == tmp_path / "from-cli"
    assert resolve_data_dir() == tmp_path / "from-env"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir() == tmp_path / "xdg" / "mash-field"


def test_data_folder_is_private(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path / "v", PASS, settings=FAST)
    with vault.transaction() as conn:
        Vault.meta_set(conn, "k", "v")
    files = list((tmp_path / "v").iterdir())
    assert {p.name for p in files} >= {"vault.db", "vault.db-wal", "vault.db-shm", "vault.header", "vault.lockout"}
    assert [p.name for p in files if p.stat().st_mode & 0o077] == []
    assert (tmp_path / "v").stat().st_mode & 0o077 == 0
    vault.lock()


def test_transactions_from_two_threads_do_not_interleave(tmp_path: Path) -> None:
    import threading

    vault = Vault.create(tmp_path, PASS, settings=FAST)
    with vault.transaction() as conn:
        Vault.meta_set(conn, "counter", "0")
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(100):
                with vault.transaction() as conn:
                    value = int(conn.execute("SELECT value FROM meta WHERE key = 'counter'").fetchone()[0])
                    Vault.meta_set(conn, "counter", str(value + 1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert vault.meta_get("counter") == "400"
    vault.lock()


def test_locking_inside_a_transaction_keeps_nothing_of_it(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)

    def lock_midway() -> None:
        with vault.transaction() as conn:
            Vault.meta_set(conn, "half", "done")
            vault.lock()

    with pytest.raises(VaultLocked):
        lock_midway()
    vault.unlock(PASS)
    assert vault.meta_get("half") is None
    vault.lock()


def test_a_failed_create_leaves_no_database_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync import _vault

    def no_header(path: Path, header: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(_vault, "write_header", no_header)
    with pytest.raises(OSError, match="disk full"):
        Vault.create(tmp_path, PASS, settings=FAST)
    monkeypatch.undo()
    assert not Vault.exists(tmp_path)
    Vault.create(tmp_path, PASS, settings=FAST).lock()


def test_unlock_upgrades_the_argon2_cost_to_the_apps(tmp_path: Path) -> None:
    from sync._keys import KdfParams, read_header
    from sync._paths import HEADER_NAME

    Vault.create(tmp_path, PASS, settings=FAST).lock()
    stronger = VaultSettings.for_tests(kdf=KdfParams(memory_kib=2048, iterations=2, lanes=1))
    vault = Vault.open(tmp_path, settings=stronger)
    vault.unlock(PASS)
    vault.lock()
    assert read_header(tmp_path / HEADER_NAME).kdf == stronger.kdf
    Vault.open(tmp_path, settings=stronger).unlock(PASS)
