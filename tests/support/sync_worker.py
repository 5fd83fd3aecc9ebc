"""A device in a subprocess, for kill -9 trials: saves notes and case edits and syncs, over and over.

    python -m tests.support.sync_worker VAULT_DIR CASE_ID --notes N [--seed S]

Record ids are derived from the note number, so a restarted worker skips what it already saved (like a user who
sees their note is there). It prints ``ready`` once the vault is open, ``ack ID`` after each committed save,
``synced`` after each sync that ran, and ``done`` when all N notes are saved and the hub acknowledged everything.
The parent kills it with SIGKILL at random moments and starts it again.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from pathlib import Path

from sync._client import HubClient
from sync._engine import EngineSettings, SyncEngine
from sync._repository import Repository
from sync._status import SyncState
from tests.support.synchelp import new_note, open_vault

NAMESPACE = uuid.UUID("6f2c1d2e-4a6b-4c3d-9e8f-0a1b2c3d4e5f")
EDIT_FIELDS = ("address", "school", "language", "key_worker", "gender")


def note_id(case_id: str, index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{case_id}/{index}")


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
