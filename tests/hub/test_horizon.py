"""The promise pulls rest on, with writers that no longer queue: a reader never passes a change that commits late.

On PostgreSQL writers take their sequence numbers from their own transaction id and commit in any order; a pull is
bounded by its snapshot's horizon (``hub._store``). These tests race real transactions on a real PostgreSQL: a
reader sees every committed change exactly once, in cursor order, with no skips, and never one rolled back.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from hub import Settings, _store
from hub._auth import Principal
from hub._db import Database
from hub._pull import pull, pull_body
from hub._store import PendingWrites, new_row
from hub._tables import records
from protocol import PullResponse, Role
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

_STAFF = Principal(
    user_id=str(uuid.uuid4()),
    username="horizon-reader",
    role=Role.HUB_STAFF,
    organisation="Test MASH",
    ods_code=None,
    device_id=str(uuid.uuid4()),
    display_name="Horizon Reader",
)


@pytest.fixture
def db(pg_cluster: PostgresCluster) -> Iterator[Database]:
    database = Database(pg_cluster.create_database(f"horizon_{uuid.uuid4().hex[:8]}", template="hub_template"),
                        pool_size=24)  # fmt: skip
    yield database
    database.dispose()


def _note(case_id: str) -> dict[str, object]:
    return new_row(now=1.0, record_id=str(uuid.uuid4()), record_type="note", case_id=case_id,
                   fields={"text": "x"}, user_id=_STAFF.user_id)  # fmt: skip


def _insert_one(conn: sa.Connection) -> str:
    row = _store.insert_record(conn, now=1.0, record_id=str(uuid.uuid4()), record_type="note",
                               case_id=str(uuid.uuid4()), fields={"text": "x"}, user_id=_STAFF.user_id,
                               mutation_id=None, keep_versions=False)  # fmt: skip
    return str(row["record_id"])


def _drain(db: Database, cursor: int, limit: int = 1000) -> tuple[list[str], int]:
    seen: list[str] = []
    while True:
        page = PullResponse.model_validate_json(pull_body(pull(db, Settings(db_url=db.url), _STAFF, cursor, limit)))
        seen += [str(c.record_id) for c in page.changes]
        cursor = page.cursor
        if not page.more:
            return seen, cursor


def test_a_pull_waits_below_a_transaction_still_in_flight(db: Database) -> None:
    """The late commit: T1 takes its seq first, T2 after it commits first. A pull between the two commits must not
    hand out a cursor past T1's seq (that is what the old counter row guaranteed by making T2 wait)."""
    with db.write() as late:
        first = _insert_one(late)
        with db.write() as early:
            second = _insert_one(early)
        # T2 is committed, T1 is not: the reader sees nothing yet, and its cursor stays below T1's seq.
        seen, cursor = _drain(db, 0)
        assert seen == []
        t1_seq = late.execute(sa.select(records.c.seq).where(records.c.record_id == first)).scalar_one()
        assert cursor < t1_seq
    seen, after = _drain(db, cursor)
    assert seen == [first, second]  # both, in seq order, once T1 committed
    assert after >= cursor
    assert _drain(db, after)[0] == []


def test_a_rolled_back_transaction_never_holds_readers_back(db: Database) -> None:
    try:
        with db.write() as conn:
            gone = _insert_one(conn)
            raise _Rollback
    except _Rollback:
        pass
    with db.write() as conn:
        kept = _insert_one(conn)
    seen = _drain(db, 0)[0]
    assert seen == [kept]
    assert gone not in seen


def test_seqs_of_one_transaction_are_consecutive_and_above_every_older_one(db: Database) -> None:
    with db.write() as conn:
        old = _store.take_seqs(conn, 3)
        assert _store.take_seqs(conn, 2) == old + 3
    with db.write() as conn:
        assert _store.take_seqs(conn) > old + 4


@dataclass
class _Race:
    committed: dict[str, int] = field(default_factory=dict)  # record id -> seq, once its transaction committed
    rolled_back: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    writers_done: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)


def _writer(db: Database, race: _Race, seed: int, transactions: int) -> None:
    rng = random.Random(seed)
    try:
        for _ in range(transactions):
            ids: list[str] = []
            keep = rng.random() > 0.1
            try:
                with db.write() as conn:
                    if rng.random() < 0.5:  # the push path: a batch of rows flushed at the end
                        pending = PendingWrites()
                        rows = [_note(str(uuid.uuid4())) for _ in range(rng.randint(1, 6))]
                        for row in rows:
                            pending.insert(row, None)
                        ids = [str(r["record_id"]) for r in rows]
                        pending.flush(conn)
                    else:  # staff writes: one statement per record
                        ids = [_insert_one(conn) for _ in range(rng.randint(1, 3))]
                    # Hold the transaction open a random while after taking its seqs, so that later writers commit
                    # first: the interleaving under test (a jitter, not a wait for a condition).
                    threading.Event().wait(rng.random() * 0.01)
                    found = conn.execute(sa.select(records.c.record_id, records.c.seq)
                                         .where(records.c.record_id.in_(ids)))  # fmt: skip
                    seqs = {str(record_id): int(seq) for record_id, seq in found}
                    if not keep:
                        raise _Rollback
            except _Rollback:
                with race.lock:
                    race.rolled_back.update(ids)
                continue
            with race.lock:
                race.committed.update(seqs)
    except BaseException as exc:  # reported by the test, not lost in a thread
        race.errors.append(exc)


class _Rollback(Exception):
    pass


def _reader(db: Database, race: _Race, seed: int, seen: list[tuple[str, int]]) -> None:
    rng = random.Random(seed)
    settings = Settings(db_url=db.url)
    cursor = 0
    try:
        while True:
            finishing = race.writers_done.is_set()  # read before the pull: the last round starts after every commit
            page = PullResponse.model_validate_json(
                pull_body(pull(db, settings, _STAFF, cursor, rng.choice((1, 3, 7, 50))))
            )
            seen += [(str(c.record_id), c.seq) for c in page.changes]
            assert page.cursor >= cursor, "the cursor went backwards"
            cursor = page.cursor
            if finishing and not page.more:
                return
    except BaseException as exc:
        race.errors.append(exc)


def test_many_writers_and_readers_race_and_every_reader_sees_every_change_once_in_order(db: Database) -> None:
    race = _Race()
    readers: list[list[tuple[str, int]]] = [[] for _ in range(4)]
    writer_threads = [threading.Thread(target=_writer, args=(db, race, i, 40)) for i in range(10)]
    reader_threads = [threading.Thread(target=_reader, args=(db, race, 100 + i, readers[i])) for i in range(4)]
    for thread in writer_threads + reader_threads:
        thread.start()
    for thread in writer_threads:
        thread.join()
    seen_while_writing = [len(r) for r in readers]
    race.writers_done.set()
    for thread in reader_threads:
        thread.join()
    assert race.errors == []
    assert len(race.committed) > 500
    assert race.rolled_back
    assert any(seen_while_writing), "the readers must have raced the writers, not only read after them"
    for seen in readers:
        ids = [record_id for record_id, _ in seen]
        seqs = [seq for _, seq in seen]
        assert len(ids) == len(set(ids)), "a change was served twice"
        assert seqs == sorted(set(seqs)), "changes out of cursor order"
        assert set(ids) == set(race.committed), "a committed change was skipped (or a rolled-back one served)"
        assert dict(seen) == race.committed
