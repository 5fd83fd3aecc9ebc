"""Vault figures: write cost against plain sqlite3, full-text search time, unlock time.

Run: ``python -m bench.vault``. The last lines are ``name: value``:

- ``vault_write_ratio``: 10,000 new records through ``Repository.save_records`` (batches of 500, one transaction
  each; every record gets its records row, its outbox row, its search index entry and its audit entry, plus the
  Python work: UUIDv7, JSON, field checks, audit hashing), divided by plain ``sqlite3`` executing the same INSERT
  statements (records, outbox, search_docs, search, audit; parameters prepared beforehand, outside the timing) into
  the same schema, also in batches of 500 and, like the vault, with one ``executemany`` per statement and batch.
  So it counts encryption AND our per-record Python work against bare SQL.
  Median of 3 runs on fresh databases, the sides alternating.
- ``vault_raw_write_ratio``: the encryption cost alone: the SAME prepared statements through the vault's
  connection (SQLCipher at its defaults, WAL, synchronous=FULL, secure_delete) against plain sqlite3 with
  the same journal and sync settings. No Python work at all: the floor of ``vault_write_ratio`` for any vault that
  writes these rows, set by SQLCipher.
- ``..._memsec_on``: the same two, measured in a child process with ``cipher_memory_security = ON`` (a deployment's
  choice; it is process-wide and one-way, hence the child). Its cost is mostly the lock and wipe of each heap block:
  FTS5's pending-terms hash takes one per new term per transaction.
- ``vault_single_save_ms``: median of 3 x 100 ``save_record`` calls, one transaction (one fsync) each.
- ``vault_search_ms``: median FTS query (41 queries of one or two words, limit 50) over 10,000 notes.
- ``vault_unlock_s``: median of 5 unlocks with the production Argon2id parameters (``VaultSettings()``);
  ``vault_unlock_cpu_s`` the CPU time of the same (what an unlock costs on an idle core: the wall time on this
  shared machine mostly measures the other workers).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sync import RecordInput, Repository, Vault, VaultSettings, _schema, new_id
from sync._audit import _entry_hash
from sync._search import document_text

N = 10_000
BATCH = 500
REPEATS = 3
PASS = "correct horse battery staple"
_CHILD_ENV = "BENCH_VAULT_MEMSEC_ON"

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "bre", "dan", "el", "fy", "gor", "ha", "is", "jun"]
_DOMAIN = [
    "visit", "mother", "father", "bruise", "sleep", "feeding", "school", "nursery", "worried", "weight", "growth",
    "referral", "consent", "domestic", "abuse", "mood", "housing", "damp", "injury", "explanation", "seen", "alone",
]  # fmt: skip


def _vocabulary(rng: random.Random) -> list[str]:
    words = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(3000)}
    return sorted(words) + _DOMAIN * 20


def _note(rng: random.Random, vocab: list[str]) -> dict[str, Any]:
    return {"text": " ".join(rng.choice(vocab) for _ in range(rng.randint(30, 120)))}


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _plain_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA secure_delete = ON")
    for number in sorted(_schema.MIGRATIONS):
        # Python's own SQLite here may predate contentless_delete (3.43); for inserts the index is the same.
        conn.executescript(_schema.MIGRATIONS[number].replace("contentless_delete = 1,", ""))
    return conn


def _prepared(case_id: str, notes: list[dict[str, Any]]) -> list[list[tuple[str, tuple[Any, ...]]]]:
    """The statements save_records runs for ``notes``, with their parameters, in batches."""
    now = "2026-11-30T10:00:00.000+00:00"
    prev = "0" * 64
    batches: list[list[tuple[str, tuple[Any, ...]]]] = []
    for start in range(0, len(notes), BATCH):
        stmts: list[tuple[str, tuple[Any, ...]]] = []
        for i, fields in enumerate(notes[start : start + BATCH], start=start):
            rid, body = str(new_id()), json.dumps(fields, separators=(",", ":"))
            digest = _entry_hash(prev, now, "create", rid, "note")
            stmts += [
                (
                    "INSERT INTO records (id, type, case_id, body, server_body, server_version, state, hub_meta, "
                    "created_at, updated_at) VALUES (?, 'note', ?, ?, NULL, 0, 'pending', NULL, ?, ?)",
                    (rid, case_id, body, now, now),
                ),
                (
                    "INSERT INTO outbox (mutation_id, record_id, record_type, case_id, base_version, fields, state, "
                    "attempts, created_at) VALUES (?, ?, 'note', ?, 0, ?, 'queued', 0, ?)",
                    (str(new_id()), rid, case_id, body, now),
                ),
                ("INSERT INTO search_docs (doc, record_id) VALUES (?, ?)", (i + 1_000_000, rid)),
                ("INSERT INTO search (rowid, text) VALUES (?, ?)", (i + 1_000_000, document_text(fields))),
                (
                    "INSERT INTO audit (at, action, record_id, detail, prev_hash, hash) VALUES (?, 'create', ?, "
                    "'note', ?, ?)",
                    (now, rid, prev, digest),
                ),
            ]
            prev = digest
        batches.append(stmts)
    return batches


def _run_prepared(conn: Any, batches: list[list[tuple[str, tuple[Any, ...]]]]) -> None:
    """Each batch in one transaction, each statement once with all its rows (``executemany``), in table order: the
    way ``save_records`` writes them, so neither side saves Python calls the other makes."""
    for stmts in batches:
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        for sql, params in stmts:
            grouped.setdefault(sql, []).append(params)
        conn.execute("BEGIN IMMEDIATE")
        for sql, rows in grouped.items():
            conn.executemany(sql, rows)
        conn.execute("COMMIT")


def bench_writes(work: Path, rng: random.Random, vocab: list[str], settings: VaultSettings) -> dict[str, float]:
    """Each side REPEATS times on fresh databases, alternating, medians taken (the machine is shared and noisy)."""
    notes = [_note(rng, vocab) for _ in range(N)]
    vault_runs, plain_runs, raw_vault_runs, raw_plain_runs = [], [], [], []
    singles: list[float] = []
    for rep in range(REPEATS):
        vault = Vault.create(work / f"vault{rep}", PASS, settings=settings)
        repo = Repository(vault)
        case = repo.save_record("case", {"child_name": "Bench Child"})
        batches = [
            [RecordInput("note", fields, case_id=case.id) for fields in notes[i : i + BATCH]]
            for i in range(0, N, BATCH)
        ]
        vault_runs.append(_timed(lambda r=repo, bs=batches: [r.save_records(b) for b in bs]))

        prepared = _prepared(str(case.id), notes)  # outside the timing: plain sqlite3 only executes
        plain = _plain_db(work / f"plain{rep}.db")
        plain_runs.append(_timed(lambda c=plain, p=prepared: _run_prepared(c, p)))
        plain.close()

        # Encryption alone: identical prepared statements on both sides (fresh databases).
        raw_vault = Vault.create(work / f"raw{rep}", PASS, settings=settings)
        with raw_vault.read() as conn:
            raw_vault_runs.append(_timed(lambda c=conn, p=prepared: _run_prepared(c, p)))
        raw_vault.lock()
        plain2 = _plain_db(work / f"plain_raw{rep}.db")
        raw_plain_runs.append(_timed(lambda c=plain2, p=prepared: _run_prepared(c, p)))
        plain2.close()

        for fields in notes[:100]:
            singles.append(_timed(lambda r=repo, f=fields, c=case.id: r.save_record("note", f, case_id=c)))
        vault.lock()
    vault_s, plain_s = statistics.median(vault_runs), statistics.median(plain_runs)
    return {
        "vault_write_s": vault_s,
        "plain_write_s": plain_s,
        "vault_write_ratio": vault_s / plain_s,
        "vault_raw_write_ratio": statistics.median(raw_vault_runs) / statistics.median(raw_plain_runs),
        "vault_single_save_ms": statistics.median(singles) * 1000,
    }


def bench_search(work: Path, rng: random.Random, vocab: list[str]) -> dict[str, float]:
    vault = Vault.create(work / "search", PASS, settings=VaultSettings.for_tests())
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": "Search Child"})
    for _ in range(0, N, BATCH):
        repo.save_records([RecordInput("note", _note(rng, vocab), case_id=case.id) for _ in range(BATCH)])
    queries = [rng.choice(vocab) for _ in range(20)] + [f"{rng.choice(vocab)} {rng.choice(_DOMAIN)}" for _ in range(20)]
    queries.append("bruise explanation")
    repo.search("warm up")
    times, hits = [], 0
    for q in queries:
        start = time.perf_counter()
        hits += len(repo.search(q, limit=50))
        times.append(time.perf_counter() - start)
    vault.lock()
    return {"vault_search_ms": statistics.median(times) * 1000, "search_hits": hits}


def bench_unlock(work: Path) -> dict[str, float]:
    settings = VaultSettings()
    Vault.create(work / "unlock", PASS, settings=settings).lock()
    times, cpu = [], []
    for _ in range(5):
        vault = Vault.open(work / "unlock", settings=settings)
        start = time.process_time()
        times.append(_timed(lambda v=vault: v.unlock(PASS)))
        cpu.append(time.process_time() - start)
        vault.lock()
    return {
        "vault_unlock_s": statistics.median(times),
        "vault_unlock_cpu_s": statistics.median(cpu),
        "argon2_memory_mib": settings.kdf.memory_kib / 1024,
    }


def _writes_with_memory_security() -> dict[str, float]:
    """The write figures with cipher_memory_security ON, in a fresh process (SQLCipher's setting is process-wide)."""
    env = {**os.environ, _CHILD_ENV: "1"}
    out = subprocess.run(
        [sys.executable, "-m", "bench.vault"], env=env, capture_output=True, text=True, check=True, timeout=600
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    rng = random.Random(2)
    vocab = _vocabulary(rng)
    if os.environ.get(_CHILD_ENV):
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(bench_writes(Path(tmp), rng, vocab, VaultSettings.for_tests(memory_security=True))))
        return
    on = _writes_with_memory_security()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        writes = bench_writes(work, rng, vocab, VaultSettings.for_tests())
        search = bench_search(work, rng, vocab)
        unlock = bench_unlock(work)
    print(f"records: {N} notes in batches of {BATCH} (records + outbox + search + audit rows each)")
    print(f"vault save_records total (median): {writes['vault_write_s']:.3f} s; plain sqlite3 same inserts: "
          f"{writes['plain_write_s']:.3f} s")  # fmt: skip
    print(f"search hits over 41 queries: {search['search_hits']:.0f}")
    print(f"argon2id memory: {unlock['argon2_memory_mib']:.0f} MiB")
    print(f"vault_write_ratio_memsec_on: {on['vault_write_ratio']:.2f}")
    print(f"vault_raw_write_ratio_memsec_on: {on['vault_raw_write_ratio']:.2f}")
    print(f"vault_raw_write_ratio: {writes['vault_raw_write_ratio']:.2f}")
    print(f"vault_single_save_ms: {writes['vault_single_save_ms']:.2f}")
    print(f"vault_write_ratio: {writes['vault_write_ratio']:.2f}")
    print(f"vault_search_ms: {search['vault_search_ms']:.2f}")
    print(f"vault_unlock_cpu_s: {unlock['vault_unlock_cpu_s']:.3f}")
    print(f"vault_unlock_s: {unlock['vault_unlock_s']:.3f}")


if __name__ == "__main__":
    main()
