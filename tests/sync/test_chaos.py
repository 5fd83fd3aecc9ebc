"""Acceptance: kill -9 of the client at random moments during saves and sync, then resume; 0 lost, 0 duplicated."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync._client import HubClient
from sync._engine import enrol
from sync._repository import Repository
from tests.support.faultproxy import FaultProxy
from tests.support.hubproc import ROOT, HubProcess
from tests.support.sync_worker import note_id
from tests.support.synchelp import make_vault, new_case, open_vault, outbox, pull_everything

TRIALS = 30
NOTES = 40


@pytest.fixture(scope="module")
def hub() -> Iterator[HubProcess]:
    with HubProcess() as h:
        yield h


def start_worker(vault_dir: Path, case_id: str, seed: int, hub_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.sync_worker", str(vault_dir), case_id, "--notes", str(NOTES),
         "--seed", str(seed), "--hub", hub_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def wait_for_line(proc: subprocess.Popen[str], wanted: str, deadline_s: float = 30.0) -> list[str]:
    """Read lines until one starts with ``wanted`` (or the worker exits); returns the lines read."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return lines
        lines.append(line.strip())
        if line.startswith(wanted):
            return lines
    raise AssertionError(f"worker never printed {wanted!r}")


def kill_trials(vault_dir: Path, case_id: str, hub_url: str, trials: int, rng: random.Random) -> tuple[set[str], int]:
    """Run ``trials`` worker lives, each SIGKILLed at a random moment; returns the acknowledged note ids and how
    many lives were killed in the middle of their work (after some activity, before ``done``)."""
    acked: set[str] = set()
    kills = 0
    for trial in range(trials):
        proc = start_worker(vault_dir, case_id, trial, hub_url)
        try:
            wait_for_line(proc, "ready")
            time.sleep(rng.uniform(0.0, 0.6))  # the random moment of the crash (not a wait for a condition)
            proc.send_signal(signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            out, _ = proc.communicate(timeout=10)
        if "done" not in out and ("ack" in out or "synced" in out):
            kills += 1
        for line in out.splitlines():
            if line.startswith("ack ") and len(line.split()) == 2:
                acked.add(line.split()[1])
    return acked, kills


def setup_device(hub: HubProcess, path: Path, username: str) -> str:
    vault = make_vault(path)
    client = HubClient(hub.base_url)
    try:
        enrol(vault, client, hub.enrol_code(username), "chaos")
    finally:
        client.close()
    case_id = str(Repository(vault).save_record("case", new_case("Chaos Child")).id)
    vault.lock()
    return case_id


def check_outcome(hub: HubProcess, path: Path, case_id: str, acked: set[str], username: str) -> None:
    vault = open_vault(path)
    try:
        assert outbox(vault) == []  # drained
        with vault.read() as conn:
            local = {str(r[0]): json.loads(r[1]) for r in conn.execute("SELECT id, body FROM records").fetchall()}
            assert conn.execute("SELECT COUNT(*) FROM conflicts").fetchone()[0] == 0
            assert conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0] == 0
    finally:
        vault.lock()
    view = {r: c for r, c in pull_everything(hub.base_url, hub.enrol_code(username, "hub_staff")).items()
            if str(c.case_id) == case_id}  # fmt: skip
    expected_notes = {str(note_id(case_id, i)) for i in range(NOTES)}
    assert acked <= expected_notes
    assert set(view) == set(local) == expected_notes | {case_id}  # 0 lost
    texts = [c.fields["text"] for c in view.values() if c.record_type == "note"]
    assert len(texts) == len(set(texts)) == NOTES  # 0 duplicated
    for rid, change in view.items():
        assert change.fields == local[rid]


@pytest.mark.slow
def test_kill_minus_nine_during_sync_loses_and_duplicates_nothing(hub: HubProcess, tmp_path: Path) -> None:
    path = tmp_path / "vault"
    case_id = setup_device(hub, path, "chaos1")
    with FaultProxy(hub.port, fault_rate=0.15, seed=5) as proxy:
        acked, kills = kill_trials(path, case_id, proxy.base_url, TRIALS, random.Random(7))
    assert kills >= TRIALS // 2  # most lives died mid-work, not before starting or after finishing
    final = start_worker(path, case_id, 999, hub.base_url)
    try:
        lines = wait_for_line(final, "done", deadline_s=120)
    finally:
        final.communicate(timeout=60)
    assert lines[-1:] == ["done"], lines[-5:]
    check_outcome(hub, path, case_id, acked, "checker1")
