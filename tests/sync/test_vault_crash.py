"""kill -9 in the middle of saves, passphrase changes and key rotations; lockout counting across a kill.

A long-lived worker (tests/support/vault_worker.py) forks one child per trial; the child works in a loop and prints
an ack after each COMMIT; the test kills it with SIGKILL at a random moment, then opens the vault in-process: every
acknowledged save is there, the database opens and ``PRAGMA integrity_check`` says ok.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync import Vault, VaultSettings, WrongPassphrase
from sync._keys import KdfParams
from sync._lockout import read_lockout
from sync._paths import LOCKOUT_NAME
from tests.support.vault_worker import Zygote

PASS = "correct horse battery staple"
OTHER = "plenty of unrelated words 81"
FAST = VaultSettings.for_tests()
TRIALS = 30


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    yield z
    z.close()


def _kill_at_random(
    z: Zygote, cmd: dict[str, Any], rng: random.Random, max_acks: int = 25
) -> list[tuple[str, list[Any]]]:
    """Run one child, kill it after a random number of acks plus a random slice of a save; return its lines."""
    z.send(cmd)
    lines: list[tuple[str, list[Any]]] = []
    pid = None
    ready = False
    while pid is None or not ready:
        word, args = z.next()
        if word == "error":
            pytest.fail(f"worker failed: {args}")
        if word == "pid":
            pid = int(args[0])
        elif word == "ready":
            ready = True
        else:
            lines.append((word, args))
    target = rng.randint(0, max_acks)
    acks = 0
    while acks < target:
        word, args = z.next()
        if word == "error":
            pytest.fail(f"worker failed: {args}")
        lines.append((word, args))
        acks += word == "ack"
    time.sleep(rng.uniform(0, 0.004))  # the kill lands at a random point inside the next operation
    os.kill(pid, signal.SIGKILL)
    while True:
        word, args = z.next()
        if word == "exit":
            assert args[0] == pid
            assert os.WIFSIGNALED(args[1]), "the child ended by itself"
            assert os.WTERMSIG(args[1]) == signal.SIGKILL
            return lines
        if word == "error":
            pytest.fail(f"worker failed: {args}")
        lines.append((word, args))


def _check_opens_and_holds(data_dir: Path, passphrase: str, acked: dict[str, int]) -> int:
    """Unlock, integrity_check, every acked record present with at least its acked ``n``. Returns the max n."""
    vault = Vault.open(data_dir, settings=FAST)
    vault.unlock(passphrase)
    try:
        with vault.read() as conn:
            assert [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()] == ["ok"]
            rows = {r["id"]: r for r in conn.execute("SELECT id, body FROM records")}
            queued = {r[0] for r in conn.execute("SELECT DISTINCT record_id FROM outbox")}
        import json

        top = 0
        for rid, n in acked.items():
            assert rid in rows, "an acknowledged save was lost"
            assert rid in queued, "a save was stored without its outbox row"
            stored = json.loads(rows[rid]["body"])["n"]
            assert stored >= n
            top = max(top, stored)
        return max([top, *acked.values()])
    finally:
        vault.lock()


@pytest.mark.slow
def test_kill_during_saves_loses_no_acknowledged_save(tmp_path: Path, zygote: Zygote) -> None:
    rng = random.Random(20261130)
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    acked: dict[str, int] = {}
    n = 0
    for _ in range(TRIALS):
        lines = _kill_at_random(zygote, {"mode": "save", "dir": str(tmp_path), "passphrase": PASS, "start": n}, rng)
        for word, args in lines:
            if word == "ack":
                acked[args[0]] = args[1]
        n = _check_opens_and_holds(tmp_path, PASS, acked) + 1
    assert len(acked) > TRIALS  # the trials really saved things


@pytest.mark.slow
def test_kill_during_key_rotation_always_opens(tmp_path: Path, zygote: Zygote) -> None:
    rng = random.Random(7)
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    acked: dict[str, int] = {}
    rotations = 0
    n = 0
    for _ in range(TRIALS):
        cmd = {"mode": "rotate", "dir": str(tmp_path), "passphrase": PASS, "start": n}
        for word, args in _kill_at_random(zygote, cmd, rng, max_acks=5):
            if word == "ack":
                acked[args[0]] = args[1]
            elif word == "rotated":
                rotations += 1
        n = _check_opens_and_holds(tmp_path, PASS, acked) + 1
    assert rotations >= TRIALS // 2


@pytest.mark.slow
def test_kill_during_passphrase_change_leaves_old_or_new(tmp_path: Path, zygote: Zygote) -> None:
    rng = random.Random(11)
    phrases = [PASS, OTHER]
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    current = 0
    changes = 0
    for _ in range(TRIALS):
        cmd = {"mode": "passphrase", "dir": str(tmp_path), "passphrases": phrases, "current": current}
        in_flight = None
        for word, args in _kill_at_random(zygote, cmd, rng, max_acks=5):
            if word == "begin":
                in_flight = args[0]
            elif word == "ack":
                current, in_flight = args[0], None
                changes += 1
        vault = Vault.open(tmp_path, settings=FAST)
        try:
            vault.unlock(phrases[current])
        except WrongPassphrase:
            assert in_flight is not None, "the acknowledged passphrase no longer opens the vault"
            vault.unlock(phrases[in_flight])
            current = in_flight
        with vault.read() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        vault.lock()
    assert changes >= TRIALS // 2


def test_failed_unlock_is_counted_even_when_killed_mid_check(tmp_path: Path, zygote: Zygote) -> None:
    slow = KdfParams(memory_kib=64 * 1024, iterations=6, lanes=1)  # long enough to kill inside the check
    Vault.create(tmp_path, PASS, settings=VaultSettings.for_tests(kdf=slow)).lock()
    lockout = tmp_path / LOCKOUT_NAME
    for expected in (1, 2, 3):
        zygote.send({"mode": "unlock", "dir": str(tmp_path), "passphrase": "not the passphrase at all"})
        pid = None
        started = False
        while pid is None or not started:
            word, args = zygote.next()
            pid = int(args[0]) if word == "pid" else pid
            started = started or word == "start"
        deadline = time.monotonic() + 10
        while read_lockout(lockout).failures < expected:
            assert time.monotonic() < deadline, "the failure was not recorded before the check"
            time.sleep(0.001)  # polling interval, not a wait for the outcome
        os.kill(pid, signal.SIGKILL)
        words = []
        while True:
            word, args = zygote.next()
            if word == "exit":
                break
            words.append(word)
        assert "done" not in words, "the check finished before the kill: make the KDF slower"
    vault = Vault.open(tmp_path, settings=FAST)
    assert vault.failed_attempts == 3
    assert vault.tries_left == 7
    vault.unlock(PASS)  # the right passphrase still works, and resets the counter
    assert vault.failed_attempts == 0
    vault.lock()
