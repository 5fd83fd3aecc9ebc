"""Writers on PostgreSQL, with and without the shared counter: python -m bench.seq [--writers 16] [--hold-ms 20]

Each writer runs transactions that take their sequence numbers, insert a record, then stay open ``--hold-ms``
(standing for the rest of a push: more statements, the commit's flush) before committing. With the counter row of
old (``UPDATE counters ... RETURNING``, still SQLite's way) the second writer waits for the first to commit, so the
transactions run one after another; with the transaction-id seqs of ``hub._store`` they overlap. This isolates the
queueing from CPU cost, so it means something on a busy machine where bench.hub's latencies do not.

Figures: ``seq_txn_per_s_counter``, ``seq_txn_per_s_horizon`` (transactions committed per second).
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid

from hub import _store
from hub._db import Database
from hub._migrations import migrate
from hub._tables import records
from tests.support.postgres import PostgresCluster


def _writer(db: Database, transactions: int, hold_s: float, counter: bool) -> None:
    for _ in range(transactions):
        with db.write() as conn:
            seq = _store.bump(conn, "seq") if counter else _store.take_seqs(conn)
            row = _store.new_row(now=1.0, record_id=str(uuid.uuid4()), record_type="note",
                                 case_id=str(uuid.uuid4()), fields={"text": "x"}, user_id="bench")  # fmt: skip
            conn.execute(records.insert(), {**row, "seq": seq})  # counter seqs (1, 2, ...) stay below the others
            threading.Event().wait(hold_s)  # the rest of the transaction's work, in time


def _rate(db: Database, writers: int, transactions: int, hold_s: float, counter: bool) -> float:
    threads = [threading.Thread(target=_writer, args=(db, transactions, hold_s, counter)) for _ in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return writers * transactions / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--transactions", type=int, default=20, help="per writer")
    parser.add_argument("--hold-ms", type=float, default=20.0)
    args = parser.parse_args()
    with PostgresCluster() as cluster:
        db = Database(cluster.create_database("bench_seq"), pool_size=args.writers)
        try:
            migrate(db)
            hold = args.hold_ms / 1000
            counter = _rate(db, args.writers, args.transactions, hold, counter=True)
            horizon = _rate(db, args.writers, args.transactions, hold, counter=False)
        finally:
            db.dispose()
    print(f"{args.writers} writers, {args.transactions} transactions each, held {args.hold_ms:.0f} ms")
    print(f"seq_txn_per_s_counter: {counter:.1f}")
    print(f"seq_txn_per_s_horizon: {horizon:.1f}")


if __name__ == "__main__":
    main()
