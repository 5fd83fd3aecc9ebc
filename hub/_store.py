"""Writing records: sequence numbers, references, versions. Every change to a record goes through here.

The promise a pull relies on: once a reader has seen sequence number N, no change with a number below N can still
commit. How each database keeps it:

- SQLite (one writer at a time): the ``counters`` row "seq", incremented in the writer's transaction. Seqs become
  visible in order; a reader bounds its page by the counter (``horizon``).
- PostgreSQL (many writers at once): no shared row to queue on. A transaction's seqs are its own transaction id
  (``pg_current_xact_id()``, plus the "xid_base" counter that keeps them above numbers used before) shifted left by
  ``TXN_BITS``, plus its ordinal within the transaction. A reader's horizon is ``pg_snapshot_xmin`` of its
  snapshot, shifted the same way: every transaction with a smaller id has ended (committed and visible, or rolled
  back), and every transaction still to commit has an id at or above it, so its seqs lie above the horizon. Writers
  never wait for each other; a pull only waits (sees no further) for transactions still in flight below it.

Lock order, to rule out deadlocks between hub processes: records first (``SELECT ... FOR UPDATE`` in record-id
order), the SQLite counter last.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import orjson
import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.engine import Connection

from hub._tables import counters, record_versions, records

# Statements built once: SQLAlchemy then reuses their compiled form (building .values(...) each time costs more
# than the database work for these one-row statements).
_BUMP: Final = (
    sa.update(counters)
    .where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)
_BUMP_BY: Final = (
    sa.update(counters)
    .where(counters.c.name == sa.bindparam("counter"))
    .values(value=counters.c.value + sa.bindparam("n"))
    .returning(counters.c.value)
)
_CURRENT: Final = sa.select(counters.c.value).where(counters.c.name == sa.bindparam("counter"))

#: Bits of a PostgreSQL seq for the ordinal of a change within its transaction: up to 16,384 record writes per
#: transaction, and transaction ids up to 2**39 before a seq passes the wire's 2**53 bound.
TXN_BITS: Final = 14
_TXN_MAX: Final = 1 << TXN_BITS
_PG_TXN_SEQ: Final = sa.text(
    "SELECT (pg_current_xact_id()::text::bigint + value) << :bits FROM counters WHERE name = 'xid_base'"
).bindparams(bits=TXN_BITS)
_PG_HORIZON: Final = sa.text(
    "SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + value) << :bits FROM counters"
    " WHERE name = 'xid_base'"
).bindparams(bits=TXN_BITS)
_PG_NEXT_REF: Final = sa.text("SELECT nextval('hub_ref_seq')")
_SEQ_STATE: Final = "mash_txn_seq"  # key in Connection.info: (transaction, next seq) of the open transaction


class TransactionTooLarge(RuntimeError):
    """One PostgreSQL transaction tried to write more records than its seqs can number."""


_UPDATE: Final = (
    sa.update(records)
    .where(records.c.record_id == sa.bindparam("rid"))
    .values(seq=sa.bindparam("seq"), version=sa.bindparam("version"), fields=sa.bindparam("fields"),
            updated_at=sa.bindparam("updated_at"))
)  # fmt: skip


def dumps(value: Any) -> str:
    """A record's fields as stored: compact JSON, keys sorted (orjson: a push writes every record it applies)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def loads_fields(text: str) -> dict[str, JsonValue]:
    value = orjson.loads(text)
    assert isinstance(value, dict)
    return value


def _bump(conn: Connection, name: str) -> int:
    """Increment a named counter in this transaction and return its new value (locks the row until commit)."""
    return int(conn.execute(_BUMP, {"counter": name}).scalar_one())


def current(conn: Connection, name: str) -> int:
    return int(conn.execute(_CURRENT, {"counter": name}).scalar_one())


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def take_seqs(conn: Connection, n: int = 1) -> int:
    """Reserve ``n`` consecutive seqs for record writes in this transaction; returns the first."""
    if not _is_postgres(conn):
        top = int(conn.execute(_BUMP_BY, {"counter": "seq", "n": n}).scalar_one())
        return top - n + 1
    txn = conn.get_transaction()
    state = conn.info.get(_SEQ_STATE)
    if state is None or state[0] is not txn:  # the first record write of this transaction
        state = (txn, int(conn.execute(_PG_TXN_SEQ).scalar_one()))
    first = state[1]
    if (first + n - 1) >> TXN_BITS != first >> TXN_BITS:
        raise TransactionTooLarge(f"one transaction may write at most {_TXN_MAX} records")
    conn.info[_SEQ_STATE] = (txn, first + n)
    return first


def horizon(conn: Connection) -> int:
    """Every seq below this is committed (or never will be) and visible to ``conn``; every change still to commit
    gets a seq at or above it. Read it before the rows it bounds."""
    if _is_postgres(conn):
        return int(conn.execute(_PG_HORIZON).scalar_one())
    return current(conn, "seq") + 1


def settle_horizon(conn: Connection) -> None:
    """On PostgreSQL, raise "xid_base" if this cluster's transaction ids would number new changes at or below the
    seqs already used (a new database, one restored into another cluster): new seqs must pass every old cursor."""
    if not _is_postgres(conn):
        return
    used = conn.execute(
        sa.text("SELECT greatest((SELECT coalesce(max(seq), 0) FROM records), "
                "(SELECT value FROM counters WHERE name = 'seq'))")
    ).scalar_one()  # fmt: skip
    xid = int(conn.execute(sa.text("SELECT pg_current_xact_id()::text::bigint")).scalar_one())
    base = current(conn, "xid_base")
    if (xid + base) << TXN_BITS <= int(used):
        base = (int(used) >> TXN_BITS) + 1 - xid
        conn.execute(sa.update(counters).where(counters.c.name == "xid_base").values(value=base))


def hub_reference(conn: Connection, now: float, prefix: str = "MASH") -> str:
    year = datetime.fromtimestamp(now, UTC).year
    number = int(conn.execute(_PG_NEXT_REF).scalar_one()) if _is_postgres(conn) else _bump(conn, "ref")
    return f"{prefix}-{year}-{number:06d}"


def insert_record(
    conn: Connection,
    *,
    now: float,
    record_id: str,
    record_type: str,
    case_id: str,
    fields: Mapping[str, JsonValue],
    user_id: str,
    mutation_id: str | None,
    keep_versions: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a record at version 1 now (hub staff's writes); returns its row. Append-only records keep no version
    history: it is never needed."""
    row = new_row(now=now, record_id=record_id, record_type=record_type, case_id=case_id, fields=fields,
                  user_id=user_id, extra=extra)  # fmt: skip
    row["seq"] = take_seqs(conn)
    conn.execute(records.insert(), row)
    if keep_versions:
        conn.execute(record_versions.insert(), version_row(record_id, 1, row["fields"], mutation_id, user_id, now))
    return row


def touch(conn: Connection, *, now: float, record_id: str, **hub_fields: Any) -> int:
    """Change hub-only columns (status, flags) and give the record a new seq so devices pull it again."""
    conn.execute(sa.select(records.c.record_id).where(records.c.record_id == record_id).with_for_update())
    seq = take_seqs(conn)
    conn.execute(
        sa.update(records).where(records.c.record_id == record_id).values(seq=seq, updated_at=now, **hub_fields)
    )
    return seq


def revise_record(
    conn: Connection, *, now: float, record_id: str, version: int, fields: Mapping[str, JsonValue], user_id: str
) -> int:
    """Write ``fields`` as the next version of a record the caller has locked at ``version`` (hub staff's writes):
    the row with a new seq, and the version kept for a later push's three-way merge. Returns the new version."""
    text = dumps(dict(fields))
    conn.execute(record_versions.insert(), version_row(record_id, version + 1, text, None, user_id, now))
    params = {"rid": record_id, "version": version + 1, "fields": text, "updated_at": now}
    conn.execute(_UPDATE, {**params, "seq": take_seqs(conn)})
    return version + 1


def restamp_case(conn: Connection, *, now: float, case_id: str) -> int:
    """Give every record of a case a new seq (e.g. a newly assigned user must pull all of it). Returns the count."""
    of_case = sa.select(records.c.record_id).where(records.c.case_id == case_id)
    conn.execute(of_case.order_by(records.c.record_id).with_for_update())  # lock in the usual order...
    ids = list(conn.execute(of_case.order_by(records.c.seq)).scalars())  # ...stamp in the order they were made
    seq = take_seqs(conn, len(ids)) if ids else 0
    for record_id in ids:
        conn.execute(sa.update(records).where(records.c.record_id == record_id).values(seq=seq, updated_at=now))
        seq += 1
    return len(ids)


class PendingWrites:
    """Record writes of one push, held back until its end so the seqs are taken as late as possible.

    ``flush`` takes all the seqs at once and writes. On SQLite the counter row then stays locked only for those
    inserts and the commit, not for the checks and validation of the whole batch; PostgreSQL takes no lock.
    """

    def __init__(self) -> None:
        self._writes: list[tuple[str, dict[str, Any]]] = []
        self._versions: list[dict[str, Any]] = []

    def insert(self, row: dict[str, Any], version: dict[str, Any] | None) -> None:
        self._writes.append(("insert", row))
        if version is not None:
            self._versions.append(version)

    def update(self, params: dict[str, Any], version: dict[str, Any]) -> None:
        self._writes.append(("update", params))
        self._versions.append(version)

    def version_text(self, record_id: str, version: int) -> str | None:
        """The fields of a version written earlier in this batch (not in the database yet), if any."""
        for row in self._versions:
            if row["record_id"] == record_id and row["version"] == version:
                return str(row["fields"])
        return None

    def flush(self, conn: Connection) -> None:
        if self._versions:  # they need no seq: written before the counter is locked
            conn.execute(record_versions.insert(), self._versions)
        if not self._writes:
            return
        seq = take_seqs(conn, len(self._writes))
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for kind, params in self._writes:  # seqs in the order of the writes; all inserts go first, in one statement
            (inserts if kind == "insert" else updates).append({**params, "seq": seq})
            seq += 1
        if inserts:
            conn.execute(records.insert(), inserts)
        for params in updates:
            conn.execute(_UPDATE, params)
        self._writes.clear()
        self._versions.clear()


def new_row(
    *,
    now: float,
    record_id: str,
    record_type: str,
    case_id: str,
    fields: Mapping[str, JsonValue],
    user_id: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``records`` row at version 1 (without its seq)."""
    return {
        "record_id": record_id,
        "record_type": record_type,
        "case_id": case_id,
        "version": 1,
        "fields": dumps(dict(fields)),
        "created_by": user_id,
        "practice_ods": None,
        "team": None,
        "team_role": None,
        "request_id": None,
        "routed_to": None,
        "status": None,
        "flags": None,
        "receipt_ref": None,
        "receipt_at": None,
        "receipt_hash": None,
        "author": None,
        "created_at": now,
        "updated_at": now,
        **(extra or {}),
    }


def version_row(
    record_id: str, version: int, text: str, mutation_id: str | None, user_id: str, now: float
) -> dict[str, Any]:
    return {"record_id": record_id, "version": version, "fields": text, "mutation_id": mutation_id, "user_id": user_id,
            "created_at": now}  # fmt: skip
