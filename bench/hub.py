"""Benchmark of the hub: python -m bench.hub [--seconds 30] [--devices 200] [--workers 2]

200 simulated devices (one health visitor each; one asyncio task and one keep-alive socket each, to 127.0.0.1) sync
in a loop for 30 s against a real hub subprocess (uvicorn, 2 worker processes by default: one per core): push 5
mutations (4 case notes and an edit of their case), then pull from their cursor until there is no more; no pause
between rounds. First against SQLite, then against a throwaway PostgreSQL cluster.

Figures (printed last): ``hub_pull_p95_ms_sqlite``, ``hub_pull_p95_ms_postgres`` (95th percentile of a pull
request's latency, goal <= 500 ms), ``hub_push_p95_ms_sqlite``, ``hub_push_p95_ms_postgres`` (the same for a push of
5, goal <= 500 ms on PostgreSQL), ``hub_push_per_s_postgres`` (mutations applied per second under that load, goal
>= 1,000) and ``hub_errors`` (failed requests or mutations not applied, over both runs; goal 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from hub._admin import create_user, enrol_code
from hub._db import Database
from hub._migrations import migrate
from tests.support.hubproc import HubProcess
from tests.support.postgres import PostgresCluster


@dataclass
class Stats:
    pull_ms: list[float] = field(default_factory=list)
    push_ms: list[float] = field(default_factory=list)
    applied: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


def _codes(db_url: str, devices: int) -> list[str]:
    db = Database(db_url, pool_size=2)
    try:
        migrate(db)
        codes = []
        for i in range(devices):
            name = f"bench-hv{i:03d}"
            create_user(db, name, f"Bench visitor {i}", "health_visitor", "Bench MASH", exist_ok=True)
            codes.append(enrol_code(db, name))
        return codes
    finally:
        db.dispose()


def _note(case_id: str, i: int) -> dict[str, Any]:
    return {
        "mutation_id": str(uuid.uuid4()),
        "record_id": str(uuid.uuid4()),
        "record_type": "note",
        "case_id": case_id,
        "base_version": 0,
        "fields": {"text": f"Home visit {i}: baby feeding well, mother tired.", "visit": "home"},
    }


class _Connection:
    """A minimal keep-alive HTTP/1.1 client on one socket: a load generator must cost far less than the server it
    measures (httpx's pool spends more CPU per request than the hub does at this concurrency)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            headers = await self.reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in headers.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            data = await self.reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        return int(status_line.split()[1]), json.loads(data) if data else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _device(host: str, port: int, code: str, deadline: float, stats: Stats) -> None:
    conn = _Connection(host, port)
    try:
        await _device_loop(conn, code, deadline, stats)
    except (OSError, asyncio.IncompleteReadError) as exc:
        stats.error(f"connection {type(exc).__name__}: {exc}")
    finally:
        conn.close()


async def _device_loop(conn: _Connection, code: str, deadline: float, stats: Stats) -> None:
    status, body = await conn.request("POST", "/v1/enrol", {"code": code, "device_name": "bench"})
    if status != 200:
        stats.error(f"enrol {status} {body}")
        return
    token = body["access_token"]
    case_id = str(uuid.uuid4())
    case = {"child_name": "Bench Child", "nhs_number_not_known": True, "school": "0"}
    first = {"mutation_id": str(uuid.uuid4()), "record_id": case_id, "record_type": "case", "case_id": case_id,
             "base_version": 0, "fields": case}  # fmt: skip
    status, body = await conn.request("POST", "/v1/push", {"mutations": [first]}, token)
    if status != 200:
        stats.error(f"push {status} {body}")
        return
    version, cursor, n = 1, 0, 0
    while time.monotonic() < deadline:
        n += 1
        edit = {"mutation_id": str(uuid.uuid4()), "record_id": case_id, "record_type": "case", "case_id": case_id,
                "base_version": version, "fields": {"school": str(n)}}  # fmt: skip
        batch = [_note(case_id, n * 10 + i) for i in range(4)] + [edit]
        started = time.perf_counter()
        status, body = await conn.request("POST", "/v1/push", {"mutations": batch}, token)
        stats.push_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            stats.error(f"push {status} {body}")
            continue
        for result in body["results"]:
            if result["outcome"] in ("applied", "merged"):
                stats.applied += 1
            else:
                stats.error(f"mutation {result['outcome']} {result['issues']}")
            if result["record_id"] == case_id:
                version = result["version"]
        more = True
        while more:
            started = time.perf_counter()
            status, page = await conn.request("GET", f"/v1/pull?cursor={cursor}&limit=500", None, token)
            stats.pull_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                stats.error(f"pull {status} {page}")
                break
            cursor, more = page["cursor"], page["more"]


async def _load(port: int, codes: list[str], seconds: float) -> tuple[Stats, float]:
    stats = Stats()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(_device("127.0.0.1", port, code, deadline, stats) for code in codes))
    return stats, time.monotonic() - started


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=20)[-1]


#: The 200 simulated devices all enrol from 127.0.0.1 within a second: the per-address limits (a guard against
#: guessing codes, 20 a minute) would refuse most of them, so the bench turns them off through the configuration.
_NO_LIMITS = json.dumps({a: {"per_client": "", "per_account": ""} for a in ("enrol", "refresh", "sign_in")})


def _run(name: str, db_url: str, devices: int, seconds: float, workers: int) -> Stats:
    codes = _codes(db_url, devices)
    os.environ["MASH_HUB_RATE_LIMITS"] = _NO_LIMITS  # read by the hub subprocess (hub._config)
    # A generous start timeout: on a shared machine two workers importing and migrating can take a while.
    with HubProcess(db_url, extra_args=("--workers", str(workers)), start_timeout=180) as hub:
        stats, elapsed = asyncio.run(_load(hub.port, codes, seconds))
    print(
        f"{name}: {devices} devices, {elapsed:.1f} s, {len(stats.push_ms)} pushes, {len(stats.pull_ms)} pulls, "
        f"push p50 {statistics.median(stats.push_ms or [0]):.0f} ms p95 {_p95(stats.push_ms):.0f} ms, "
        f"pull p50 {statistics.median(stats.pull_ms or [0]):.0f} ms p95 {_p95(stats.pull_ms):.0f} ms, "
        f"{stats.applied / elapsed:.0f} mutations/s, errors {stats.errors} {stats.error_samples}",
        flush=True,
    )
    stats.applied_per_s = stats.applied / elapsed  # type: ignore[attr-defined]
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="hub worker processes (uvicorn --workers)")
    args = parser.parse_args()
    with HubProcess() as scratch:  # only for its temporary folder and free port logic
        sqlite_url = scratch.db_url.replace("hub.sqlite3", "bench.sqlite3")
        sqlite = _run("sqlite", sqlite_url, args.devices, args.seconds, args.workers)
    with PostgresCluster() as cluster:
        pg = _run("postgres", cluster.create_database("bench"), args.devices, args.seconds, args.workers)
    print(f"hub_pull_p95_ms_sqlite: {_p95(sqlite.pull_ms):.1f}")
    print(f"hub_pull_p95_ms_postgres: {_p95(pg.pull_ms):.1f}")
    print(f"hub_push_p95_ms_sqlite: {_p95(sqlite.push_ms):.1f}")
    print(f"hub_push_p95_ms_postgres: {_p95(pg.push_ms):.1f}")
    print(f"hub_push_per_s_postgres: {pg.applied_per_s:.1f}")  # type: ignore[attr-defined]
    print(f"hub_errors: {sqlite.errors + pg.errors}")


if __name__ == "__main__":
    main()
