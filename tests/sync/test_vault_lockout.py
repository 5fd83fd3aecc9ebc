"""Wrong passphrases: counting, growing delays, erase after the limit; erase on demand (device revoked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync import (
    Repository,
    UnlockThrottled,
    Vault,
    VaultCorrupt,
    VaultErased,
    VaultLocked,
    VaultSettings,
    WrongPassphrase,
)
from sync._paths import DB_NAME, HEADER_NAME, LOCKOUT_NAME

PASS = "correct horse battery staple"
WRONG = "incorrect donkey battery stapler"
FAST = VaultSettings.for_tests()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_passphrase_counts_down_and_right_one_resets(tmp_path: Path) -> None:
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    vault = Vault.open(tmp_path, settings=FAST)
    for expected_left in (9, 8, 7):
        with pytest.raises(WrongPassphrase) as err:
            vault.unlock(WRONG)
        assert err.value.tries_left == expected_left
        assert f"{expected_left} tries left" in str(err.value)
    assert not vault.is_unlocked
    assert vault.failed_attempts == 3
    vault.unlock(PASS)
    assert vault.is_unlocked
    assert vault.failed_attempts == 0
    assert vault.tries_left == 10
    vault.lock()


def test_delays_grow_and_an_early_try_is_refused_without_counting(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = VaultSettings.for_tests(unlock_delay_base_s=1.0, free_failures=3)
    Vault.create(tmp_path, PASS, settings=settings, clock=clock).lock()
    vault = Vault.open(tmp_path, settings=settings, clock=clock)
    delays = []
    for _ in range(6):
        with pytest.raises(WrongPassphrase) as err:
            vault.unlock(WRONG)
        delays.append(err.value.delay_s)
        if err.value.delay_s:
            with pytest.raises(UnlockThrottled) as early:
                vault.unlock(PASS)  # even the right passphrase must wait
            assert early.value.wait_s == pytest.approx(err.value.delay_s)
            clock.now += err.value.delay_s
    clock.now -= delays[-1]
    assert delays == [0, 0, 1, 2, 4, 8]
    assert vault.unlock_wait_s() == 8
    clock.now -= 3600  # the clock jumps back an hour: no hour-long lockout
    assert vault.unlock_wait_s() == 0
    assert vault.failed_attempts == 6  # the refused early tries were not counted
    assert "Wait 8 seconds" in str(WrongPassphrase(4, 8.0))
    vault.unlock(PASS)
    vault.lock()


def _erase_by_failures(tmp_path: Path, settings: VaultSettings) -> Vault:
    vault = Vault.create(tmp_path, PASS, settings=settings)
    Repository(vault).save_record("case", {"child_name": "Someone"})
    vault.lock()
    for left in range(settings.max_failed_unlocks - 1, 0, -1):
        with pytest.raises(WrongPassphrase) as err:
            vault.unlock(WRONG)
        assert err.value.tries_left == left
    with pytest.raises(VaultErased):
        vault.unlock(WRONG)
    return vault


def test_the_tenth_failure_erases_the_key(tmp_path: Path) -> None:
    vault = _erase_by_failures(tmp_path, FAST)
    header = json.loads((tmp_path / HEADER_NAME).read_text())
    assert header["state"] == "erased"
    assert header["key"] is None
    assert header["pending"] is None
    assert not (tmp_path / DB_NAME).exists()
    with pytest.raises(VaultErased):
        vault.unlock(PASS)  # the right passphrase cannot bring it back
    again = Vault.open(tmp_path, settings=FAST)
    assert again.is_erased
    with pytest.raises(VaultErased):
        again.unlock(PASS)
    fresh = Vault.create(tmp_path, PASS, settings=FAST)  # the device can be set up again
    assert Repository(fresh).list_records() == []
    fresh.lock()


def test_limit_is_configurable(tmp_path: Path) -> None:
    _erase_by_failures(tmp_path, VaultSettings.for_tests(max_failed_unlocks=3))


def test_erase_on_demand_while_unlocked(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    vault.erase()
    assert not vault.is_unlocked
    assert vault.is_erased
    with pytest.raises(VaultLocked):
        vault.meta_get("device_id")
    with pytest.raises(VaultErased):
        Vault.open(tmp_path, settings=FAST).unlock(PASS)


def test_damaged_counter_is_not_reset_to_zero(tmp_path: Path) -> None:
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    (tmp_path / LOCKOUT_NAME).write_text("garbage")
    vault = Vault.open(tmp_path, settings=FAST)
    with pytest.raises(VaultCorrupt):
        vault.unlock(PASS)


def test_confirm_passphrase_of_an_unlocked_vault_counts_like_an_unlock(tmp_path: Path) -> None:
    """A second session of the app proves the passphrase without reopening: wrong tries count, and erase."""
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    with pytest.raises(WrongPassphrase) as err:
        vault.confirm_passphrase(WRONG)
    assert err.value.tries_left == 9
    assert vault.is_unlocked  # the session that unlocked keeps its vault
    vault.confirm_passphrase(PASS)
    assert vault.failed_attempts == 0
    for _ in range(9):
        with pytest.raises(WrongPassphrase):
            vault.confirm_passphrase(WRONG)
    with pytest.raises(VaultErased):
        vault.confirm_passphrase(WRONG)
    assert vault.is_erased
    assert not vault.is_unlocked
    assert not (tmp_path / DB_NAME).exists()


def test_confirm_passphrase_needs_an_unlocked_vault(tmp_path: Path) -> None:
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    vault = Vault.open(tmp_path, settings=FAST)
    with pytest.raises(VaultLocked):
        vault.confirm_passphrase(PASS)
    assert vault.failed_attempts == 0
