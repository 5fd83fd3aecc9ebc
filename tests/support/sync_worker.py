"""A device in a subprocess, for kill -9 trials: saves notes and case edits and syncs, over and over.

    python -m tests.support.sync_worker VAULT_DIR CASE_ID --notes N [--seed S]

Record ids are derived from the note number, so a restarted worker skips what it already saved (like a user who
sees their note is there). It prints ``ready`` once the vault is open, ``ack ID`` after each committed save,
``synced`` after each sync that ran, and ``done`` when all N notes are saved and the hub acknowledged everything.
The parent kills it with SIGKILL at random moments and starts it again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sync import EngineSettings, HubClient, Repository, SyncEngine, SyncState, enrol
from tests.support.hubproc import HubProcess
from tests.support.synchelp import make_vault, new_case, new_note, open_vault, pull_everything

NAMESPACE = uuid.UUID("6f2c1d2e-4a6b-4c3d-9e8f-0a1b2c3d4e5f")
EDIT_FIELDS = ("address", "school", "language", "key_worker", "gender")


def note_id(case_id: str, index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{case_id}/{index}")


# -- the parent's side: set up, start, read, kill, check --------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def start_worker(vault_dir: Path, case_id: str, seed: int, hub_url: str, notes: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.sync_worker", str(vault_dir), case_id, "--notes", str(notes),
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
    raise TimeoutError(f"worker never printed {wanted!r}")


def kill_trials(
    vault_dir: Path, case_id: str, hub_url: str, trials: int, rng: random.Random, notes: int
) -> tuple[set[str], int]:
    """Run ``trials`` worker lives, each SIGKILLed at a random moment. Returns the acknowledged note ids and how
    many lives were killed in the middle of their work (after some activity, before ``done``)."""
    acked: set[str] = set()
    mid_work = 0
    for _trial in range(trials):
        proc = start_worker(vault_dir, case_id, rng.randrange(1 << 30), hub_url, notes)
        try:
            wait_for_line(proc, "ready")
            time.sleep(rng.uniform(0.0, 0.6))  # the random moment of the crash (not a wait for a condition)
            proc.send_signal(signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            out, _ = proc.communicate(timeout=10)
        if "done" not in out and ("ack" in out or "synced" in out):
            mid_work += 1
        for line in out.splitlines():
            if line.startswith("ack ") and len(line.split()) == 2:
                acked.add(line.split()[1])
    return acked, mid_work


def finish(vault_dir: Path, case_id: str, hub_url: str, notes: int) -> bool:
    """Run the worker to the end, undisturbed; True when it printed ``done``."""
    final = start_worker(vault_dir, case_id, 999, hub_url, notes)
    try:
        lines = wait_for_line(final, "done", deadline_s=180)
    finally:
        final.communicate(timeout=60)
    return lines[-1:] == ["done"]


def setup_device(hub: HubProcess, path: Path, username: str) -> str:
    """A vault enrolled as ``username`` holding one new case (not yet sent); returns the case id. Leaves it locked."""
    vault = make_vault(path)
    client = HubClient(hub.base_url)
    try:
        enrol(vault, client, hub.enrol_code(username), "chaos")
    finally:
        client.close()
    case_id = str(Repository(vault).save_record("case", new_case("Chaos Child")).id)
    vault.lock()
    return case_id


@dataclass(frozen=True)
class Outcome:
    lost: int  # records the device saved (or acknowledged) that the hub lacks, or holds with other fields
    duplicates: int  # records the hub holds twice (same text) or that the device never made
    leftovers: int  # outbox rows, conflicts or rejections left on the device after it finished


def check_outcome(hub: HubProcess, path: Path, case_id: str, acked: set[str], checker: str, notes: int) -> Outcome:
    """Compare the device's vault, its acknowledged saves and the hub's records of the case."""
    vault = open_vault(path)
    try:
        with vault.read() as conn:
            local = {str(r[0]): json.loads(r[1]) for r in conn.execute("SELECT id, body FROM records").fetchall()}
            leftovers = sum(
                int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("outbox", "conflicts", "rejections")
            )
    finally:
        vault.lock()
    everything = pull_everything(hub.base_url, hub.enrol_code(checker, "hub_staff"))
    view = {rid: c for rid, c in everything.items() if str(c.case_id) == case_id}
    expected = {str(note_id(case_id, i)) for i in range(notes)} | {case_id}
    should_exist = set(local) | acked
    lost = len(should_exist - set(view)) + sum(1 for rid in set(view) & set(local) if view[rid].fields != local[rid])
    texts = [str(c.fields.get("text")) for c in view.values() if c.record_type == "note"]
    duplicates = (len(texts) - len(set(texts))) + len(set(view) - expected)
    return Outcome(lost=lost, duplicates=duplicates, leftovers=leftovers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("vault_dir", type=Path)
    parser.add_argument("case_id")
    parser.add_argument("--notes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hub", default=None, help="hub URL (default: the one stored at enrolment)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    vault = open_vault(args.vault_dir)
    repo = Repository(vault)
    url = args.hub or vault.meta_get("sync.hub_url")
    client = HubClient(str(url), timeout=5.0)
    engine = SyncEngine(vault, client, settings=EngineSettings(batch_max=3, pull_limit=5, attachments=False))
    case_id = uuid.UUID(args.case_id)
    print("ready", flush=True)
    for index in range(args.notes):
        rid = note_id(args.case_id, index)
        if repo.get_record(rid) is None:
            repo.save_record("note", new_note(f"note {args.case_id}/{index}"), case_id=case_id, record_id=rid)
            print(f"ack {rid}", flush=True)
            if index % 2 == 0:
                field = EDIT_FIELDS[index % len(EDIT_FIELDS)]
                repo.save_record("case", {field: f"{field} {index}"}, record_id=case_id)
                print(f"ack {case_id} {field}", flush=True)
        if rng.random() < 0.4:
            engine.sync_once()
            print("synced", flush=True)
    for _ in range(100):
        status = engine.sync_once()
        if status.state == SyncState.IDLE and status.pending == 0:
            print("done", flush=True)
            client.close()
            return 0
    print(f"not converged: {status}", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
