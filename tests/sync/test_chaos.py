"""Acceptance: kill -9 of the client at random moments during saves and sync, then resume; 0 lost, 0 duplicated."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.faultproxy import FaultProxy
from tests.support.hubproc import HubProcess
from tests.support.sync_worker import check_outcome, finish, kill_trials, setup_device

TRIALS = 30
NOTES = 150


@pytest.fixture(scope="module")
def hub() -> Iterator[HubProcess]:
    with HubProcess() as h:
        yield h


@pytest.mark.slow
def test_kill_minus_nine_during_sync_loses_and_duplicates_nothing(hub: HubProcess, tmp_path: Path) -> None:
    path = tmp_path / "vault"
    case_id = setup_device(hub, path, "chaos1")
    with FaultProxy(hub.port, fault_rate=0.15, seed=5) as proxy:
        acked, mid_work = kill_trials(path, case_id, proxy.base_url, TRIALS, random.Random(7), NOTES)
    assert mid_work >= TRIALS // 2  # most lives died mid-work, not before starting or after finishing
    assert acked  # saves were acknowledged before kills
    assert finish(path, case_id, hub.base_url, NOTES)
    outcome = check_outcome(hub, path, case_id, acked, "checker1", NOTES)
    assert (outcome.lost, outcome.duplicates, outcome.leftovers) == (0, 0, 0)
