"""Pulling changes: what a user may see, after a cursor, in seq order, in pages.

The page is bounded by the horizon read first (``hub._store.horizon``): every seq below it is committed, and every
change still in flight will commit above it, so the cursor handed back never passes a change that commits late.
Work is one indexed range scan on ``records.seq`` (or on ``(case_id, seq)`` / ``(practice_ods, seq)`` /
``(team, seq)``) filtered by visibility in SQL: proportional to the changes since the cursor, never to the table.

A page goes out as JSON written straight from the rows (``change_json``): a record's fields are stored as JSON text
already, so they are copied into the body, not parsed, validated and written again (that round trip was most of a
pull's time on the hub). The shape is ``protocol.Change``'s; tests/hub/test_pull_json.py checks the bytes read back
as the model would write them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson
import sqlalchemy as sa

from hub import _access, _audit, _store
from hub._auth import Principal, when
from hub._db import Database
from hub._settings import Settings
from hub._tables import records
from protocol import Author, HubMeta, MutationResult, Receipt, SyncResponse


def author_of(m: Mapping[str, Any] | sa.RowMapping) -> Author | None:
    """The attested author stored with a record (None only for rows older than attestation with no known user)."""
    return Author.model_validate_json(m["author"]) if m["author"] else None


@dataclass(frozen=True)
class Page:
    """One page of a pull: each change already written as JSON (``change_json``)."""

    changes: list[str]
    cursor: int
    more: bool


#: The columns a change is written from (``change_json``), and nothing else.
_SERVED: Final = tuple(
    records.c[name]
    for name in ("seq", "record_id", "record_type", "case_id", "version", "fields", "status", "flags", "receipt_ref",
                 "receipt_at", "receipt_hash", "author")
)  # fmt: skip
_NO_HUB_META: Final = HubMeta().model_dump_json()
_CHANGE: Final = '{"seq":%d,"record_id":"%s","record_type":"%s","case_id":"%s","version":%d,"fields":%s,"hub":%s}'


def _hub_meta_json(m: Mapping[str, Any] | sa.RowMapping, authors: dict[str, str]) -> str:
    if m["status"] is None and not (m["flags"] or m["receipt_ref"] or m["author"]):
        return _NO_HUB_META
    author = m["author"]
    if author and author not in authors:  # one writer's author text recurs down a page: checked once per page
        authors[author] = Author.model_validate_json(author).model_dump_json()
    receipt = None
    if m["receipt_ref"]:
        receipt = Receipt(
            hub_reference=m["receipt_ref"], received_at=when(m["receipt_at"]), content_hash=m["receipt_hash"]
        ).model_dump_json()
    flags = orjson.dumps(orjson.loads(m["flags"])).decode() if m["flags"] else "[]"
    return '{"status":%s,"flags":%s,"receipt":%s,"author":%s}' % (  # noqa: UP031 (a template, like _CHANGE)
        orjson.dumps(m["status"]).decode(),
        flags,
        receipt or "null",
        authors[author] if author else "null",
    )


def change_json(m: Mapping[str, Any] | sa.RowMapping, authors: dict[str, str]) -> str:
    """A row as ``protocol.Change``'s JSON, without parsing the stored fields. ``authors``: a cache for one page."""
    # Ids and types are the hub's own (UUIDs, enum values): nothing in them needs escaping.
    return _CHANGE % (
        m["seq"],
        m["record_id"],
        m["record_type"],
        m["case_id"],
        m["version"],
        m["fields"],
        _hub_meta_json(m, authors),
    )


def pull_body(page: Page) -> bytes:
    """A ``PullResponse`` body."""
    changes = ",".join(page.changes)
    return f'{{"changes":[{changes}],"cursor":{page.cursor},"more":{_bool(page.more)}}}'.encode()


def sync_body(results: Sequence[MutationResult], page: Page, lease_expires_at: datetime) -> bytes:
    """A ``SyncResponse`` body: the model writes all but the changes, which are spliced in where it left them empty."""
    empty = SyncResponse(
        results=[], changes=[], cursor=page.cursor, more=page.more, lease_expires_at=lease_expires_at
    ).model_dump_json()
    head = '{"results":[],"changes":[]'
    assert empty.startswith(head)  # the model's field order: results, changes, then the rest
    written = ",".join(r.model_dump_json() for r in results)
    changes = ",".join(page.changes)
    return f'{{"results":[{written}],"changes":[{changes}]{empty[len(head) :]}'.encode()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def pull(db: Database, settings: Settings, who: Principal, cursor: int, limit: int) -> Page:
    """``cursor`` and ``limit`` arrive checked (``protocol.Cursor``, ``PullLimit``: one bound on every path)."""
    after = cursor
    with db.read() as conn:
        head = _store.horizon(conn) - 1
        rows = (
            conn.execute(
                sa.select(*_SERVED)
                .where(records.c.seq > after, records.c.seq <= head, _access.visible(who))
                .order_by(records.c.seq)
                .limit(limit + 1)
            )
            .mappings()
            .all()
        )
    more = len(rows) > limit
    rows = rows[:limit]
    # Past the last row of a full page; else up to head: nothing visible is left there, skip the rest for good.
    new_cursor = rows[-1]["seq"] if more else max(cursor, head)
    authors: dict[str, str] = {}
    changes = [change_json(row, authors) for row in rows]
    if changes:
        # Reads are audited: who saw which records (an empty pull reads nothing and is not written down).
        with db.write(urgent=True) as conn:
            _audit.record(
                conn,
                at=settings.clock(),
                actor=who.username,
                device_id=who.device_id,
                action="pull",
                outcome="ok",
                target=f"seq {cursor}..{new_cursor}",
                detail={"records": [row["record_id"] for row in rows]},
            )
    return Page(changes=changes, cursor=new_cursor, more=more)
