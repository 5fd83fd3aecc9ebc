"""Benchmark of the console's pages: python -m bench.console [--open 2000] [--closed 0] [--requests 20]

Fills a SQLite database (and then a throwaway PostgreSQL cluster) with ``--open`` referrals in the queue (a third
rated red, amber, green each) and ``--closed`` ones with an outcome, then asks for the queue page (first page, default
sort) and one referral page ``--requests`` times each through the ASGI app, one at a time, signed in as staff, and
reports the server time after one warm-up request (the first queue load parses every referral; later loads
reuse those views, as a running hub does). A smaller, quieter set-up than the issue's (10,000 open, 100,000
closed, 20 staff and 200 syncing devices at once): the figures say which set-up they measured in their names.

Figures (printed last): ``console_queue_p95_ms_sqlite_<open>``, ``console_queue_p95_ms_postgres_<open>`` and
``console_referral_p95_ms_sqlite``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import pyotp
import sqlalchemy as sa

from hub import Settings, create_app
from hub._admin import create_user
from hub._console_tables import screenings, staff_credentials
from hub._demo_console import _referral
from hub._signin import set_password
from hub._tables import counters, records, users
from sync.protocol import content_hash
from tests.hub._asgi import PortalTransport
from tests.support.postgres import PostgresCluster

PASSWORD = "bench console password"


def _fill(url: str, open_count: int, closed: int) -> None:
    app = create_app(Settings(db_url=url, lane_threads=2))
    db = app.state.db
    create_user(db, "staff1", "Sam Staff", "hub_staff", "MASH")
    set_password(db, "staff1", PASSWORD, actor="bench")
    now = time.time()
    base = _referral("Bench Child", dt.datetime.now(dt.UTC))
    with db.write() as conn:
        user_id = conn.execute(sa.select(users.c.user_id).where(users.c.username == "staff1")).scalar_one()
        rows, rated = [], []
        for n in range(open_count + closed):
            fields = dict(base)
            record_id = str(uuid.uuid4())
            text = json.dumps(fields, sort_keys=True)
            received = now - (n % 200) * 600
            rows.append(
                {
                    "record_id": record_id,
                    "record_type": "referral",
                    "case_id": str(uuid.uuid4()),
                    "seq": n + 1,
                    "version": 1,
                    "fields": text,
                    "created_by": user_id,
                    "practice_ods": None,
                    "request_id": None,
                    "routed_to": "Torbay",
                    "status": "received" if n < open_count else "outcome_recorded",
                    "flags": None,
                    "receipt_ref": f"MASH-B-{n:07d}",
                    "receipt_at": received,
                    "receipt_hash": content_hash(fields),
                    "created_at": received,
                    "updated_at": received,
                }
            )
            rated.append(
                {
                    "record_id": record_id,
                    "rating": ("red", "amber", "green")[n % 3],
                    "rated_at": received,
                    "already_open": False,
                    "updated_at": received,
                }
            )
        for i in range(0, len(rows), 1000):
            conn.execute(records.insert(), rows[i : i + 1000])
            conn.execute(screenings.insert(), rated[i : i + 1000])
        conn.execute(sa.update(counters).where(counters.c.name == "seq").values(value=len(rows)))
    db.dispose()


@contextmanager
def _signed_in(url: str) -> Iterator[tuple[httpx.Client, str]]:
    app = create_app(Settings(db_url=url, lane_threads=4))
    client = httpx.Client(transport=PortalTransport(app), base_url="http://127.0.0.1")
    try:
        page = client.get("/console/sign-in")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/console/sign-in", data={"csrf_token": token, "username": "staff1", "password": PASSWORD})
        page = client.get("/console/sign-in/code")
        secret = page.text.split('id="secret">')[1].split("<")[0]
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/console/sign-in/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
        with app.state.db.read() as conn:
            first = conn.execute(sa.select(records.c.record_id).limit(1)).scalar_one()
            assert conn.execute(sa.select(staff_credentials.c.totp_sealed)).scalar_one()
        yield client, str(first)
    finally:
        client.close()
        app.state.db.dispose()


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 2 else samples[0]


def _time(client: httpx.Client, path: str, n: int) -> list[float]:
    client.get(path)  # warm-up: the first load reads every referral once (then kept: hub._queue)
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--open", type=int, default=2000)
    p.add_argument("--closed", type=int, default=0)
    p.add_argument("--requests", type=int, default=20)
    args = p.parse_args()
    figures: dict[str, float] = {}
    with TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hub.sqlite3'}"
        _fill(url, args.open, args.closed)
        with _signed_in(url) as (client, record_id):
            figures[f"console_queue_p95_ms_sqlite_{args.open}"] = _p95(_time(client, "/console/", args.requests))
            figures["console_referral_p95_ms_sqlite"] = _p95(
                _time(client, f"/console/referrals/{record_id}", args.requests)
            )
    with PostgresCluster() as cluster:
        url = cluster.create_database("bench_console")
        _fill(url, args.open, args.closed)
        with _signed_in(url) as (client, _record_id):
            figures[f"console_queue_p95_ms_postgres_{args.open}"] = _p95(_time(client, "/console/", args.requests))
    for name, value in figures.items():
        print(f"{name}: {value:.1f}")


if __name__ == "__main__":
    main()
