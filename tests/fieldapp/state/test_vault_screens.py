from __future__ import annotations

from fieldapp._services import Event, Services, VaultStatus
from fieldapp.state.strength import assess
from fieldapp.state.vault_screens import SetupState, UnlockState
from tests.fieldapp.conftest import PASSPHRASE


def test_strength_feedback_as_typed() -> None:
    assert assess("").score == 0
    weak = assess("password")
    assert weak.label == "Very weak"
    assert weak.warning
    assert not weak.acceptable
    assert assess(PASSPHRASE).acceptable


def test_setup_refuses_mismatch_and_weak_passphrase(services: Services) -> None:
    state = SetupState(services)
    state.set_passphrase(PASSPHRASE)
    state.set_confirm(PASSPHRASE + "x")
    assert state.mismatch
    assert not state.submit()
    assert "not the same" in state.error
    state.set_passphrase("password1234")
    state.set_confirm("password1234")
    assert not state.submit()
    assert "easy to guess" in state.error
    assert services.vault_status() is VaultStatus.MISSING


def test_setup_creates_and_unlocks(services: Services) -> None:
    state = SetupState(services)
    state.set_passphrase(PASSPHRASE)
    state.set_confirm(PASSPHRASE)
    assert state.submit()
    assert state.passphrase == ""  # not kept around
    assert services.vault_status() is VaultStatus.UNLOCKED


def test_wrong_passphrase_says_tries_left_then_erases(unlocked: Services) -> None:
    heard: list[Event] = []
    unlocked.subscribe(lambda event, payload: heard.append(event))
    unlocked.lock()
    assert unlocked.vault_status() is VaultStatus.LOCKED
    state = UnlockState(unlocked)
    assert not state.submit("")
    assert state.error == "Enter your passphrase."
    assert not state.submit("wrong words entirely here")
    assert state.tries_left == 9
    assert "9 tries left" in state.error
    for _ in range(9):
        state.submit("still the wrong words")
    assert state.erased
    assert "erased" in state.error
    assert unlocked.vault_status() is VaultStatus.ERASED
    assert Event.ERASED in heard


def test_unlock_with_the_right_passphrase(unlocked: Services) -> None:
    unlocked.lock()
    state = UnlockState(unlocked)
    assert state.submit(PASSPHRASE)
    assert unlocked.repo is not None


def test_idle_lock_fires(unlocked: Services) -> None:
    import time

    heard: list[Event] = []
    unlocked.subscribe(lambda event, payload: heard.append(event))
    unlocked.set_idle_timeout(0.5)
    deadline = time.monotonic() + 5
    while Event.LOCKED not in heard and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the condition, with a deadline
    assert unlocked.vault_status() is VaultStatus.LOCKED
    assert Event.LOCKED in heard
    assert unlocked.repo is None
