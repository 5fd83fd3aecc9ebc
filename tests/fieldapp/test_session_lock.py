"""Each window or browser session has its own lock: one that has not given the passphrase itself sees the lock screen
even while another session has the vault open, and its own idle time locks it (issue 10)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from fieldapp._services import Services, VaultStatus
from fieldapp._shell import Shell
from fieldapp.state.case import create_case
from tests.fieldapp.conftest import PASSPHRASE
from tests.fieldapp.test_shell import FakePage
from tests.fieldapp.test_views import texts

CHILD = "Wilhelmina Canarybird"
NHS = "943 476 5919"


class LivePage(FakePage):
    """A fake page that also runs the shell's event hops (``run_task``) at once."""

    def run_task(self, fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
        asyncio.run(fn())


def shown(page: FakePage) -> str:
    return "\n".join(t for view in page.views for t in texts(view))


def test_a_second_session_sees_the_lock_screen_while_the_first_has_the_vault_open(services: Services) -> None:
    page_a, page_b = LivePage("/"), LivePage("/")
    a = Shell(page_a, services)  # type: ignore[arg-type]
    assert services.create_vault(PASSPHRASE, a.session) == ""
    create_case(services, {"child_name": CHILD, "nhs_number": NHS})
    a.render("/caseload")
    assert CHILD in shown(page_a)

    b = Shell(page_b, services)  # type: ignore[arg-type]  # a new tab, the vault open in the other one
    b.start()
    assert page_b.navigated == ["/unlock"]
    for path in ("/caseload", "/settings", "/sync", "/inbox"):  # typed into the address bar
        b.render(path)
        assert page_b.views[-1].route == "/unlock"
        assert CHILD not in shown(page_b)
        assert "Canarybird" not in shown(page_b)
    assert services.vault_status(b.session) is VaultStatus.LOCKED
    assert services.vault_status(a.session) is VaultStatus.UNLOCKED


def test_the_second_session_gets_in_only_with_the_passphrase_and_wrong_ones_count(services: Services) -> None:
    a, b = services.open_session(), services.open_session()
    assert services.create_vault(PASSPHRASE, a) == ""
    wrong = services.unlock("not the passphrase at all", b)
    assert not wrong.ok
    assert wrong.tries_left == 9  # the same lockout as unlocking a locked vault
    assert services.vault_status(b) is VaultStatus.LOCKED
    assert services.vault_status(a) is VaultStatus.UNLOCKED  # the other session keeps working
    assert services.unlock(PASSPHRASE, b).ok
    assert services.vault_status(b) is VaultStatus.UNLOCKED
    assert services.repo is not None


def test_ten_wrong_passphrases_from_a_second_session_erase_the_vault(services: Services) -> None:
    a, b = services.open_session(), services.open_session()
    assert services.create_vault(PASSPHRASE, a) == ""
    outcomes = [services.unlock(f"wrong guess number {i}", b) for i in range(10)]
    assert outcomes[-1].erased
    assert services.vault_status(a) is VaultStatus.ERASED
    assert services.repo is None


def test_each_session_locks_after_its_own_idle_time_and_the_vault_after_the_last(services: Services) -> None:
    a, b = services.open_session(), services.open_session()
    assert services.create_vault(PASSPHRASE, a) == ""
    assert services.unlock(PASSPHRASE, b).ok
    heard: list[object] = []
    services.subscribe(lambda event, payload: heard.append((event, payload)))

    b.last_activity -= services.idle_timeout_s + 1  # b left alone; a still in use
    services.keeper.lock_idle_sessions()
    assert services.vault_status(b) is VaultStatus.LOCKED
    assert services.vault_status(a) is VaultStatus.UNLOCKED
    assert services.vault is not None
    assert services.vault.is_unlocked

    a.last_activity -= services.idle_timeout_s + 1
    services.keeper.lock_idle_sessions()
    assert not services.vault.is_unlocked  # nobody is in any more: the key is dropped
    assert services.vault_status(a) is VaultStatus.LOCKED


def test_an_idle_lock_of_one_session_leaves_the_other_screen_alone(services: Services) -> None:
    page_a, page_b = LivePage("/"), LivePage("/")
    a = Shell(page_a, services)  # type: ignore[arg-type]
    b = Shell(page_b, services)  # type: ignore[arg-type]
    assert services.create_vault(PASSPHRASE, a.session) == ""
    assert services.unlock(PASSPHRASE, b.session).ok
    a.render("/caseload")
    b.render("/caseload")
    b.session.last_activity -= services.idle_timeout_s + 1
    services.keeper.lock_idle_sessions()
    assert page_b.views[-1].route == "/unlock"
    assert page_a.views[-1].route == "/caseload"


def test_the_lock_button_locks_every_session(services: Services) -> None:
    a, b = services.open_session(), services.open_session()
    assert services.create_vault(PASSPHRASE, a) == ""
    assert services.unlock(PASSPHRASE, b).ok
    services.lock()
    assert services.vault_status(a) is VaultStatus.LOCKED
    assert services.vault_status(b) is VaultStatus.LOCKED
    assert services.unlock(PASSPHRASE, b).ok
    assert services.vault_status(a) is VaultStatus.LOCKED  # a must unlock again itself


def test_the_last_unlocked_session_going_away_locks_the_vault(services: Services) -> None:
    a, b = services.open_session(), services.open_session()
    assert services.create_vault(PASSPHRASE, a) == ""
    services.close_session(b)  # never unlocked: nothing changes
    assert services.vault is not None
    assert services.vault.is_unlocked
    services.close_session(a)
    assert not services.vault.is_unlocked
