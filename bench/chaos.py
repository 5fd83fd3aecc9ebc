"""Chaos figures: kill -9 of a syncing device at random moments, through a fault-injecting proxy, then resume.

    python -m bench.chaos [--trials 200] [--devices 4] [--fault-rate 0.2]

Each device (its own vault, user and case) lives through trials/devices worker processes, each SIGKILLed at a
random moment while it saves notes and case edits and syncs through a proxy that drops, resets, truncates, delays
and fails requests. Then each device finishes undisturbed and is compared with the hub.

Prints, last: ``chaos_trials`` (kill -9 trials run), ``chaos_faults`` (network faults injected), ``chaos_lost``,
``chaos_duplicates`` (goal 0 and 0) and ``chaos_leftovers`` (outbox rows, conflicts or rejections left: goal 0).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from tests.support.faultproxy import FaultProxy
from tests.support.hubproc import HubProcess
from tests.support.sync_worker import check_outcome, finish, kill_trials, setup_device

NOTES_PER_LIFE = 5  # enough notes that every life has saving and sending left to do


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    per_device = -(-args.trials // args.devices)
    notes = per_device * NOTES_PER_LIFE
    trials = faults = lost = duplicates = leftovers = mid_work = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-chaos-") as tmp, HubProcess() as hub:
        for device in range(args.devices):
            path = Path(tmp) / f"device{device}"
            case_id = setup_device(hub, path, f"chaos{device}")
            with FaultProxy(hub.port, fault_rate=args.fault_rate, seed=rng.randrange(1 << 30)) as proxy:
                acked, busy = kill_trials(path, case_id, proxy.base_url, per_device, rng, notes)
                faults += sum(n for action, n in proxy.actions.items() if action != "pass")
            trials += per_device
            mid_work += busy
            if not finish(path, case_id, hub.base_url, notes):
                print(f"device {device}: did not converge")
                leftovers += 1
            outcome = check_outcome(hub, path, case_id, acked, f"checker{device}", notes)
            lost += outcome.lost
            duplicates += outcome.duplicates
            leftovers += outcome.leftovers
            print(
                f"device {device}: {per_device} kills ({busy} mid-work), {len(acked)} saves acknowledged, "
                f"lost {outcome.lost}, duplicates {outcome.duplicates}, leftovers {outcome.leftovers} "
                f"({time.monotonic() - started:.0f} s)",
                flush=True,
            )
    print(f"chaos_trials_mid_work: {mid_work}")
    print(f"chaos_faults: {faults}")
    print(f"chaos_leftovers: {leftovers}")
    print(f"chaos_trials: {trials}")
    print(f"chaos_lost: {lost}")
    print(f"chaos_duplicates: {duplicates}")


if __name__ == "__main__":
    main()
