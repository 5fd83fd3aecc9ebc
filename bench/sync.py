"""Sync figures against the real hub (SQLite) over real sockets on 127.0.0.1.

    python -m bench.sync [--runs 3] [--big 100000]

Prints, last, as ``name: value`` lines (each a median of the runs):

- sync_initial_pull_records_per_s  first sync of 10,000 notes of about 2 KB into an empty vault (a new device,
                                   check-in included), records stored per second
- sync_push_1k_s                   one sync pushing 1,000 queued mutations (notes), seconds
- sync_nochange_round_trips        requests made by a sync that finds nothing
- sync_nochange_bytes              bytes on the wire both ways for that sync, counted by a TCP relay (headers too)
- sync_incremental_ratio           time to sync 10 changes (5 pushed, 5 pulled) on a device holding 100,000
                                   records, over the same on a device holding 1,000

The hub is seeded straight into its tables (one transaction, the hub's own counter for seq), not through HTTP.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from hub._admin import create_user
from hub._db import Database
from hub._tables import counters, records
from sync import EngineSettings, HubClient, RecordInput, Repository, SyncEngine, SyncState, enrol, new_id
from tests.support.hubproc import HubProcess
from tests.support.synchelp import make_vault, new_case, new_note

NOTE_TEXT = ("Home visit. Mother engaged well; baby feeding and gaining weight. " * 30)[:1900]


class CountingRelay:
    """A plain TCP relay that counts every byte in both directions."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sent = 0
        self.received = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, outbound: bool) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    if outbound:
                        self.sent += len(data)
                    else:
                        self.received += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def reset(self) -> None:
        with self._lock:
            self.sent = self.received = 0

    def close(self) -> None:
        self._sock.close()


class Device:
    def __init__(self, hub: HubProcess, path: Path, username: str, url: str | None = None) -> None:
        self.vault = make_vault(path)
        self.repo = Repository(self.vault)
        self.client = HubClient(url or hub.base_url, timeout=120)
        enrol_client = HubClient(hub.base_url)
        enrol(self.vault, enrol_client, hub.enrol_code(username), path.name)
        enrol_client.close()
        self.engine = SyncEngine(self.vault, self.client, settings=EngineSettings(attachments=False))

    def sync(self) -> float:
        start = time.perf_counter()
        status = self.engine.sync_once()
        elapsed = time.perf_counter() - start
        if status.state != SyncState.IDLE or status.pending:
            raise RuntimeError(f"sync did not finish: {status}")
        return elapsed

    def count(self) -> int:
        with self.vault.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def close(self) -> None:
        self.client.close()
        self.vault.lock()


def user_id(db: Database, username: str) -> str:
    return create_user(db, username, username, "health_visitor", "Devon MASH", None, exist_ok=True).user_id


def seed_notes(db_url: str, case_id: str, owner: str, count: int) -> None:
    """Insert ``count`` notes of about 2 KB into the hub's tables in one transaction, numbered by its seq counter."""
    db = Database(db_url)
    now = time.time()
    with db.write() as conn:
        start = int(conn.execute(sa.select(counters.c.value).where(counters.c.name == "seq")).scalar_one())
        rows = [
            {
                "record_id": str(new_id()),  # ids are UUIDv7, made on devices
                "record_type": "note",
                "case_id": case_id,
                "seq": start + i + 1,
                "version": 1,
                "fields": json.dumps({"author": "seed", "text": f"{i} {NOTE_TEXT}", "written_at": "2026-11-30T10:00"}),
                "created_by": owner,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        conn.execute(records.insert(), rows)
        conn.execute(sa.update(counters).where(counters.c.name == "seq").values(value=start + count))
    db.dispose()


def make_owner(hub: HubProcess, tmp: Path, username: str, notes: int) -> tuple[Device, str]:
    """A device that created a case; the hub then holds ``notes`` notes in that case."""
    owner = Device(hub, tmp / f"{username}-owner", username)
    case = owner.repo.save_record("case", new_case(f"Child of {username}"))
    owner.sync()
    db = Database(hub.db_url)
    uid = user_id(db, username)
    db.dispose()
    if notes:
        seed_notes(hub.db_url, str(case.id), uid, notes)
    return owner, str(case.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--initial", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmpdir:
        tmp = Path(tmpdir)
        with HubProcess(db_url=f"sqlite:///{tmp / 'hub.sqlite3'}") as hub:
            figures: dict[str, float] = {}

            # initial pull
            owner, _ = make_owner(hub, tmp, "pull1", args.initial)
            owner.close()
            rates = []
            for run in range(args.runs):
                dev = Device(hub, tmp / f"pull-{run}", "pull1")
                elapsed = dev.sync()
                held = dev.count()
                rates.append(held / elapsed)
                print(f"initial pull run {run}: {held} records in {elapsed:.2f} s", flush=True)
                dev.close()
            figures["sync_initial_pull_records_per_s"] = statistics.median(rates)

            # push 1k, then a sync that finds nothing
            relay = CountingRelay(hub.port)
            pushes, trips, nbytes = [], [], []
            for run in range(args.runs):
                username = f"push{run}"
                dev = Device(hub, tmp / f"push-{run}", username, url=f"http://127.0.0.1:{relay.port}")
                case = dev.repo.save_record("case", new_case())
                dev.sync()
                dev.repo.save_records(
                    [RecordInput("note", new_note(f"{i} {NOTE_TEXT[:300]}"), case.id, None) for i in range(999)]
                )
                dev.repo.save_record("case", {"school": "Hill Primary"}, record_id=case.id)
                elapsed = dev.sync()
                pushes.append(elapsed)
                requests_before = dev.client.counters.requests
                relay.reset()
                dev.sync()
                trips.append(dev.client.counters.requests - requests_before)
                nbytes.append(relay.sent + relay.received)
                print(f"push run {run}: 1,000 in {elapsed:.3f} s; no-change sync {trips[-1]} request(s), "
                      f"{nbytes[-1]} bytes", flush=True)  # fmt: skip
                dev.close()
            relay.close()
            figures["sync_push_1k_s"] = statistics.median(pushes)
            figures["sync_nochange_round_trips"] = statistics.median(trips)
            figures["sync_nochange_bytes"] = statistics.median(nbytes)

            # incremental: 10 changes against a small and a big vault
            times: dict[str, float] = {}
            for label, size in (("small", 1_000), ("big", args.big)):
                username = f"inc{label}"
                owner, case_id = make_owner(hub, tmp, username, size)
                dev = Device(hub, tmp / f"inc-{label}", username)
                start = time.perf_counter()
                dev.sync()
                print(f"{label}: device filled with {dev.count()} records in {time.perf_counter() - start:.1f} s")
                samples = []
                for run in range(max(5, args.runs)):
                    for i in range(5):
                        owner.repo.save_record("note", new_note(f"remote {run}/{i}"), case_id=uuid.UUID(case_id))
                        dev.repo.save_record("note", new_note(f"local {run}/{i}"), case_id=uuid.UUID(case_id))
                    owner.sync()
                    samples.append(dev.sync())
                times[label] = statistics.median(samples)
                print(f"{label}: 10 changes in {times[label] * 1000:.1f} ms (median)", flush=True)
                dev.close()
                owner.close()
            figures["sync_incremental_ratio"] = times["big"] / times["small"]

    for name, value in figures.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) and not value.is_integer() else f"{name}: {value:g}")


if __name__ == "__main__":
    main()
