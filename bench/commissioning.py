"""Benchmark of the commissioning dashboard: python -m bench.commissioning [--referrals 1000000] [--children 100000]

Loads a synthetic region into a throwaway PostgreSQL cluster: ``--referrals`` referrals' facts (hub._facts: four
authorities, about 80 postcode districts, categories, levels, age bands, agencies, ratings and outcomes over three
years, ``--children`` children, so repeat referrals happen) with COPY, a hub record for each of those referrals
(already folded into the facts; a short body stands in for the document), plus ``--requests`` GP information
requests (most answered) as hub records, then ANALYZE. It then asks for the whole dashboard page (every table,
chart and the repeat-referral window) through the ASGI app, signed in as a commissioner, ``--runs`` times after one
warm-up, with no filter and with an authority and a category chosen. The warm-up's refresh reads every referral once
(the first dashboard after an upgrade does the same); the timed ones read only what is new, as on a running hub.
``--sqlite-referrals`` does the same on SQLite at a laptop's size.

Figures (printed last): ``commissioning_dashboard_s_sqlite``, ``commissioning_dashboard_filtered_s_postgres`` and
``commissioning_dashboard_s_postgres`` (the median of the unfiltered runs; goal <= 1.0 s at 1,000,000).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
import psycopg
import pyotp
import sqlalchemy as sa

from hub import Settings, _authorities, _fact_codes, _facts, create_app
from hub._admin import create_user
from hub._commissioning import CATEGORY_WORDS
from hub._db import Database
from hub._migrations import migrate
from hub._region_tables import need_facts
from hub._signin import set_password
from tests.hub._asgi import PortalTransport
from tests.support.postgres import PostgresCluster

PASSWORD = "bench commissioning password"
_START = 1_700_000_000.0  # November 2023: three years of referrals
_SPAN = 3 * 365 * 86400
_PREFIX = {"devon": ["EX", "TQ"], "torbay": ["TQ"], "plymouth": ["PL"], "cornwall": ["TR", "PL"]}
_FACT_COLUMNS = [c.name for c in need_facts.columns]


def _with_nth(rows: list[dict[str, object]], days: int) -> list[dict[str, object]]:
    """Each row's ``nth`` (referrals about its child within ``days`` days up to it), as hub._facts keeps it."""
    by_child: dict[object, list[dict[str, object]]] = {}
    for row in rows:
        if row["child_key"] is not None:
            by_child.setdefault(row["child_key"], []).append(row)
    for mine in by_child.values():
        mine.sort(key=lambda r: float(r["received_at"]))  # type: ignore[arg-type]
        first = 0
        for k, row in enumerate(mine):
            while float(mine[first]["received_at"]) < float(row["received_at"]) - days * 86400:  # type: ignore[arg-type]
                first += 1
            row["nth"] = k - first + 1
    return rows


def _facts_rows(n: int, children: int, seed: int = 13) -> Iterator[dict[str, object]]:
    """``n`` facts as ``need_facts`` stores them (hub._fact_codes), ``nth`` not yet counted."""
    rng = random.Random(seed)
    authorities = list(_authorities.PENINSULA)
    categories = list(CATEGORY_WORDS)
    child_keys = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(children)]
    for i in range(n):
        authority = authorities[i % 4] if rng.random() < 0.9 else rng.choice(authorities)
        district = f"{rng.choice(_PREFIX[authority.key])}{rng.randint(1, 20)}" if rng.random() < 0.97 else None
        at = _START + rng.random() * _SPAN
        week, month, year = _facts.buckets(at, _TZ)
        rating = rng.choice(["red", "amber", "amber", "green", "green", "blue", None])
        due = (
            at + {"red": 4, "amber": 30, "green": 100}.get(rating or "", 0) * 3600
            if rating in ("red", "amber", "green")
            else None
        )
        decided = at + rng.expovariate(1 / 40) * 3600 if rating and rng.random() < 0.85 else None
        row = {
            "record_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "authority": authority.code,
            "district": district,
            "level": rng.choice([2, 2, 3, 3, 4]),
            "age_band": rng.choice(list(_facts.AGE_BANDS)),
            "agency": rng.choice(list(_facts.AGENCIES)),
            "received_at": at,
            "week": week,
            "month": month,
            "year": year,
            "child_key": rng.choice(child_keys) if rng.random() < 0.85 else None,
            "rating": rating,
            "outcome": rng.choice(["nfa", "advice", "early_help", "s17", "s47"]) if decided else None,
            "decided_at": decided,
            "due_at": due,
            "screened_at": decided,
            "nth": None,  # counted by hub._facts.refresh, as on a running hub
        }
        yield _fact_codes.encode_fact(row, rng.sample(categories, rng.choice([1, 1, 2, 3])))


_TZ = Settings().timescales.working.tz


def _copy(url: str, n: int, children: int, requests: int) -> None:
    """COPY the facts, a records row for each fact's referral and the information requests into PostgreSQL."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    facts = _with_nth(list(_facts_rows(n, children)), 90)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY need_facts ({', '.join(_FACT_COLUMNS)}) FROM STDIN") as facts_copy:
            for row in facts:
                facts_copy.write_row([row[c] for c in _FACT_COLUMNS])
        seq = 0
        with cur.copy(f"COPY records ({', '.join(_RECORD_COLUMNS)}) FROM STDIN") as rec_copy:
            for row in _request_rows(requests):
                rec_copy.write_row(row)
                seq = max(seq, int(row[3]))  # type: ignore[call-overload]
            # Each fact's referral, already folded in (the dashboard's refresh looks for referrals without a fact,
            # so it must find its way past a region's million). The document stands in at a few hundred bytes: a
            # real one is longer and kept out of line (TOAST), so the table's rows are about this size either way.
            body = '{"document": "' + "x" * 300 + '"}'
            for row in facts:
                seq += 1
                at = row["received_at"]
                rec_copy.write_row(
                    (row["record_id"], "referral", str(uuid.uuid4()), seq, 1, body, "bench", None, None, at, at)
                )
        cur.execute("UPDATE counters SET value = %s WHERE name = 'seq'", (seq + 1,))
        cur.execute("INSERT INTO counters (name, value) VALUES ('facts_window', 90)")
        conn.commit()
        cur.execute("ANALYZE")


_RECORD_COLUMNS = ["record_id", "record_type", "case_id", "seq", "version", "fields", "created_by", "practice_ods",
                   "request_id", "created_at", "updated_at"]  # fmt: skip


def _request_rows(n: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(29)
    practices = [f"A8{p:04d}" for p in range(120)]
    seq = 0
    for _ in range(n):
        request_id, asked = str(uuid.uuid4()), _START + rng.random() * _SPAN
        ods, case_id = rng.choice(practices), str(uuid.uuid4())
        seq += 1
        yield (request_id, "info_request", case_id, seq, 1, "{}", "bench", ods, None, asked, asked)
        if rng.random() < 0.9:
            seq += 1
            answered = asked + rng.expovariate(1 / 30) * 3600
            yield (str(uuid.uuid4()), "response", case_id, seq, 1, "{}", "bench", ods, request_id, answered, answered)


def _fill_sqlite(url: str, n: int, children: int) -> None:
    db = Database(url, pool_size=1)
    migrate(db)
    with db.write() as conn:
        batch: list[dict[str, object]] = []
        for row in _facts_rows(n, children):
            batch.append(row)
            if len(batch) >= 5000:
                conn.execute(sa.insert(need_facts), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(need_facts), batch)
        conn.exec_driver_sql("ANALYZE")
    db.dispose()


def _count_repeats(url: str) -> None:
    """What hub._facts.refresh does the first time (and when the window changes): every child's ``nth``."""
    db = Database(url, pool_size=1)
    with db.write() as conn:
        _facts.refresh(conn, Settings(db_url=url))
    db.dispose()


@contextmanager
def _commissioner(url: str) -> Iterator[httpx.Client]:
    app = create_app(Settings(db_url=url, lane_threads=2))
    create_user(app.state.db, "comm1", "Bench Commissioner", "commissioner", "Region")
    set_password(app.state.db, "comm1", PASSWORD, actor="bench")
    client = httpx.Client(transport=PortalTransport(app), base_url="http://127.0.0.1", timeout=120)
    try:
        page = client.get("/console/sign-in")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/console/sign-in", data={"csrf_token": token, "username": "comm1", "password": PASSWORD})
        page = client.get("/console/sign-in/code")
        secret = page.text.split('id="secret">')[1].split("<")[0]
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/console/sign-in/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
        yield client
    finally:
        client.close()
        app.state.db.dispose()


def _time(client: httpx.Client, path: str, runs: int) -> float:
    assert client.get(path).status_code == 200  # warm-up (the first refresh of the facts, the caches)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text[:300]
        assert "Referrals by local authority" in response.text
    return statistics.median(samples)


FILTERED = "/console/dashboard?authority=E10000008&category=neglect&grain=week"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--referrals", type=int, default=1_000_000)
    p.add_argument("--children", type=int, default=100_000)
    p.add_argument("--requests", type=int, default=50_000)
    p.add_argument("--sqlite-referrals", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    figures: dict[str, float] = {}
    with TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hub.sqlite3'}"
        started = time.perf_counter()
        _fill_sqlite(url, args.sqlite_referrals, max(args.sqlite_referrals // 10, 1))
        print(f"sqlite: loaded {args.sqlite_referrals} facts in {time.perf_counter() - started:.1f} s")
        _count_repeats(url)
        with _commissioner(url) as client:
            figures["commissioning_dashboard_s_sqlite"] = _time(client, "/console/dashboard", args.runs)
    with PostgresCluster(settings={"shared_buffers": "256MB", "work_mem": "64MB"}) as cluster:
        url = cluster.create_database("bench_commissioning")
        db = Database(url, pool_size=1)
        migrate(db)
        db.dispose()
        started = time.perf_counter()
        _copy(url, args.referrals, args.children, args.requests)
        print(f"postgres: loaded {args.referrals} facts and {args.requests} requests in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        with _commissioner(url) as client:
            figures["commissioning_dashboard_filtered_s_postgres"] = _time(client, FILTERED, args.runs)
            figures["commissioning_dashboard_s_postgres"] = _time(client, "/console/dashboard", args.runs)
    print(f"referrals: {args.referrals} (PostgreSQL), {args.sqlite_referrals} (SQLite); children: {args.children}")
    for name, value in figures.items():
        print(f"{name}: {value:.3f}")


if __name__ == "__main__":
    main()
