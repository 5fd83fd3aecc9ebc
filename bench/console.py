"""Benchmark of the console at the issue's load: python -m bench.console [--open 10000] [--closed 100000]
[--staff 20] [--devices 200] [--seconds 30]

For SQLite and then a throwaway PostgreSQL cluster: fills the hub's database with ``--open`` referrals in the queue
(rated red, amber, green, blue and unrated in turn, each with the deadline its rating sets) and ``--closed`` ones with
an outcome, plus one referral with 10 answered information requests and 5 photographs; builds the queue's facts
as a running hub would have while they arrived (``hub._queue_facts.catch_up``); then starts the real hub
(``python -m hub serve``, ``--workers`` uvicorn workers, 1 by default) and, for ``--seconds``: ``--devices``
enrolled devices each call ``POST /v1/sync`` every 5 seconds (every sixth carries a note), while ``--staff``
signed-in staff browse at once,
each asking in turn for a queue page (default, overdue only, by child's name, red on page 3) and the referral with
10 answers, half a second apart. Times are measured at the client over loopback keep-alive connections (so they
include any queueing in the hub). Staff sessions are made in the database (the sign-in itself is tested elsewhere).

Figures (printed last): ``console_queue_p95_ms_sqlite``, ``console_queue_p95_ms_postgres`` and
``console_referral_p95_ms`` (SQLite; the PostgreSQL one is printed above as ``console_referral_p95_ms_postgres``).
The machine may be shared: say so with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

import forms
from bench.hub import _NO_LIMITS, _codes, _Connection, _note
from hub import Settings, create_app
from hub._admin import create_user
from hub._console_tables import screenings
from hub._queue_facts import catch_up
from hub._signin import _new_session
from hub._tables import counters, records, users
from hub._timescales import RATINGS, Timescales
from hub.console._session import SESSION_COOKIE
from protocol import content_hash
from tests.hub._records import form_fields, info_request_fields, response_fields
from tests.support.hubproc import HubProcess
from tests.support.postgres import PostgresCluster

QUEUE_PATHS = ("/console/", "/console/?overdue=yes", "/console/?sort=child", "/console/?rating=red&page=3")


def _base_referral(when: dt.datetime, photos: int = 0) -> dict[str, Any]:
    form = form_fields("hv_concern")
    injuries = form["answers"]["children"][0]["injuries"]
    if photos:
        first = injuries[0]
        injuries[:] = [
            {**first, "photo": {"sha256": f"{n:064x}", "name": f"p{n}.jpg", "media_type": "image/jpeg", "size": 999}}
            for n in range(1, photos + 1)
        ]
    submitted = forms.SubmittedForm(record_id=str(uuid.uuid4()), **form)
    case = {
        "child_name": "Bench Child",
        "nhs_number_not_known": True,
        "postcode": "TQ1 2AB",
        "date_of_birth": "2019-05-02",
    }
    built = forms.build_referral(
        case_id=str(uuid.uuid4()), case=case, forms=[submitted], created_by="HV1", created_at=when
    )
    fields: dict[str, Any] = built.model_dump(mode="json")
    return fields


def _row(n: int, record_type: str, fields: dict[str, Any], user_id: str, at: float, **extra: Any) -> dict[str, Any]:
    return {
        "record_id": str(uuid.uuid4()),
        "record_type": record_type,
        "case_id": str(uuid.uuid4()),
        "seq": n,
        "version": 1,
        "fields": json.dumps(fields, sort_keys=True),
        "created_by": user_id,
        "practice_ods": None,
        "request_id": None,
        "routed_to": "Torbay",
        "status": None,
        "flags": None,
        "receipt_ref": None,
        "receipt_at": None,
        "receipt_hash": None,
        "created_at": at,
        "updated_at": at,
        **extra,
    }


def _fill(url: str, open_count: int, closed: int, staff: int) -> tuple[str, list[str]]:
    """The database at the issue's load; returns the busy referral's id and one session id per staff member."""
    app = create_app(Settings(db_url=url, lane_threads=2))
    db = app.state.db
    now = time.time()
    scales = Timescales()
    for i in range(staff):
        create_user(db, f"staff{i:02d}", f"Staff {i}", "hub_staff", "MASH")
    base = _base_referral(dt.datetime.now(dt.UTC))
    base_hash = content_hash(base)
    with db.write() as conn:
        user_id = conn.execute(sa.select(users.c.user_id).where(users.c.username == "staff00")).scalar_one()
        seq = 0
        batch: list[dict[str, Any]] = []
        rated: list[dict[str, Any]] = []

        def flush() -> None:
            if batch:
                conn.execute(records.insert(), batch)
            if rated:
                conn.execute(screenings.insert(), rated)
            batch.clear()
            rated.clear()

        for n in range(open_count + closed):
            seq += 1
            received = now - (n % 400) * 900
            row = _row(
                seq,
                "referral",
                base,
                user_id,
                received,
                status="received" if n < open_count else "outcome_recorded",
                receipt_ref=f"MASH-B-{n:07d}",
                receipt_at=received,
                receipt_hash=base_hash,
            )
            batch.append(row)
            rating = (*RATINGS, None)[n % 5]
            if rating is not None:
                due = scales.due(dt.datetime.fromtimestamp(received, dt.UTC), rating)
                rated.append(
                    {
                        "record_id": row["record_id"],
                        "rating": rating,
                        "rated_at": received,
                        "already_open": False,
                        "updated_at": received,
                        "due_at": due.timestamp() if due else None,
                    }
                )
            if len(batch) >= 1000:
                flush()
        # The busy referral: 5 photographs, 10 requests, each answered.
        seq += 1
        busy_fields = _base_referral(dt.datetime.now(dt.UTC), photos=5)
        busy = _row(seq, "referral", busy_fields, user_id, now, status="information_requested",
                    receipt_ref="MASH-B-BUSY", receipt_at=now, receipt_hash=content_hash(busy_fields))  # fmt: skip
        batch.append(busy)
        rated.append({"record_id": busy["record_id"], "rating": "amber", "rated_at": now, "already_open": False,
                      "updated_at": now, "due_at": now + 86400})  # fmt: skip
        for i in range(10):
            seq += 1
            request = _row(seq, "info_request", {**info_request_fields(), "reference": f"IR-B-{i}"}, user_id, now,
                           practice_ods="A81001")  # fmt: skip
            request["case_id"] = busy["case_id"]
            seq += 1
            answer = _row(seq, "response", response_fields(request["record_id"]), user_id, now,
                          practice_ods="A81001", request_id=request["record_id"])  # fmt: skip
            answer["case_id"] = busy["case_id"]
            batch += [request, answer]
        flush()
        conn.execute(sa.update(counters).where(counters.c.name == "seq").values(value=seq))
    catch_up(db, scales)
    sessions = []
    with db.write() as conn:
        for i in range(staff):
            uid = conn.execute(sa.select(users.c.user_id).where(users.c.username == f"staff{i:02d}")).scalar_one()
            sessions.append(_new_session(conn, uid, "full", time.time()))
    db.dispose()
    return str(busy["record_id"]), sessions


@dataclass
class Stats:
    queue_ms: list[float] = field(default_factory=list)
    referral_ms: list[float] = field(default_factory=list)
    sync_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {SESSION_COOKIE}={cookie}\r\n\r\n".encode())
    status = int((await reader.readuntil(b"\r\n")).split()[1])
    headers = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(v) for k, _, v in (h.partition(b":") for h in headers.split(b"\r\n")) if k.lower() == b"content-length"),
        0,
    )
    await reader.readexactly(length)
    return status


async def _staff(port: int, cookie: str, busy: str, deadline: float, stats: Stats, n: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        i = n
        while time.monotonic() < deadline:
            for path, out in (
                (QUEUE_PATHS[i % len(QUEUE_PATHS)], stats.queue_ms),
                (f"/console/referrals/{busy}", stats.referral_ms),
            ):
                started = time.perf_counter()
                status = await _get(reader, writer, path, cookie)
                out.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    stats.errors.append(f"{path} {status}")
                await asyncio.sleep(0.5)
            i += 1
    finally:
        writer.close()


async def _device(port: int, code: str, deadline: float, stats: Stats, n: int) -> None:
    conn = _Connection("127.0.0.1", port)
    try:
        status, body = await conn.request("POST", "/v1/enrol", {"code": code, "device_name": "bench"})
        if status != 200:
            stats.errors.append(f"enrol {status}")
            return
        token = body["access_token"]
        case_id = str(uuid.uuid4())
        case = {"mutation_id": str(uuid.uuid4()), "record_id": case_id, "record_type": "case", "case_id": case_id,
                "base_version": 0, "fields": {"child_name": "Bench Child", "nhs_number_not_known": True}}  # fmt: skip
        cursor, k = 0, 0
        await asyncio.sleep((n % 50) / 10)  # spread the devices over the 5-second period
        while time.monotonic() < deadline:
            started_at = time.monotonic()
            mutations = [case] if k == 0 else [_note(case_id, k)] if k % 6 == 0 else []
            started = time.perf_counter()
            status, body = await conn.request("POST", "/v1/sync", {"mutations": mutations, "cursor": cursor}, token)
            stats.sync_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                stats.errors.append(f"sync {status}")
            else:
                cursor = body["cursor"]
            k += 1
            await asyncio.sleep(max(0.0, 5.0 - (time.monotonic() - started_at)))
    except (OSError, asyncio.IncompleteReadError) as exc:
        stats.errors.append(f"device {type(exc).__name__}")
    finally:
        conn.close()


async def _load(port: int, codes: list[str], sessions: list[str], busy: str, seconds: float) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + seconds
    # Warm each worker's caches of parsed referrals (a running hub has them) before the clock starts.
    for cookie in sessions[:4]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for path in (*QUEUE_PATHS, f"/console/referrals/{busy}"):
            await _get(reader, writer, path, cookie)
        writer.close()
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(_device(port, code, deadline, stats, n) for n, code in enumerate(codes)),
        *(_staff(port, cookie, busy, deadline, stats, n) for n, cookie in enumerate(sessions)),
    )
    return stats


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else float("nan")


def _run(name: str, url: str, args: argparse.Namespace) -> Stats:
    started = time.monotonic()
    busy, sessions = _fill(url, args.open, args.closed, args.staff)
    codes = _codes(url, args.devices)
    filled = time.monotonic() - started
    # 200 devices enrol at once from one address: the per-client enrolment limit would refuse most of them.
    os.environ["MASH_HUB_RATE_LIMITS"] = _NO_LIMITS  # read by the hub subprocess (hub._config)
    with HubProcess(url, extra_args=("--workers", str(args.workers)), start_timeout=600) as hub:
        stats = asyncio.run(_load(hub.port, codes, sessions, busy, args.seconds))
    print(
        f"{name}: filled in {filled:.0f} s; {len(stats.queue_ms)} queue pages p50 "
        f"{statistics.median(stats.queue_ms):.0f} ms, {len(stats.referral_ms)} referral pages p50 "
        f"{statistics.median(stats.referral_ms):.0f} ms, "
        f"{len(stats.sync_ms)} syncs p95 {_p95(stats.sync_ms):.0f} ms, errors {len(stats.errors)} {stats.errors[:3]}",
        flush=True,
    )
    return stats


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--open", type=int, default=10_000)
    p.add_argument("--closed", type=int, default=100_000)
    p.add_argument("--staff", type=int, default=20)
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--seconds", type=float, default=30.0)
    # One process by default: on a crowded machine uvicorn's supervisor kills workers that take longer than its
    # health check to import the hub (seen at load 17 on 2 cores), and restarts them for ever.
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args()
    with HubProcess() as scratch:  # only for its temporary folder
        sqlite = _run("sqlite", scratch.db_url.replace("hub.sqlite3", "bench.sqlite3"), args)
    with PostgresCluster() as cluster:
        pg = _run("postgres", cluster.create_database("bench_console"), args)
    print(f"console_referral_p95_ms_postgres: {_p95(pg.referral_ms):.1f}")
    print(f"console_queue_p95_ms_sqlite: {_p95(sqlite.queue_ms):.1f}")
    print(f"console_queue_p95_ms_postgres: {_p95(pg.queue_ms):.1f}")
    print(f"console_referral_p95_ms: {_p95(sqlite.referral_ms):.1f}")


if __name__ == "__main__":
    main()
