"""The vault's schema, as numbered migrations applied in order (``PRAGMA user_version`` holds the number reached).

A vault made by an older version is upgraded on unlock; one made by a newer version is refused. Never edit a
migration once released: add the next one.

The tables, and who writes them:

- ``meta``: key/value facts about this device (device id, enrolment, hub URL, pull cursor, lease).
- ``records``: every record the device holds. ``body`` is the local view (the hub's fields with pending local edits
  laid on top); ``server_body`` is the fields as the hub last acknowledged them (the base for three-way merge) and
  ``server_version`` their version (0 until the hub first acknowledges). ``state`` is ``synced`` | ``pending`` |
  ``conflict`` | ``rejected``. ``hub_meta`` is the hub-only part (status, flags, receipt) as JSON.
- ``outbox``: mutations waiting for the hub, in local order (``seq``). A local write inserts its record change and its
  outbox row in one transaction; a row leaves only in the transaction that stores the hub's answer. ``state`` is
  ``queued`` (will be sent), ``held`` (set aside: rejected, conflict, or waiting behind a held one of the same record).
- ``conflicts``: same-field clashes waiting for the user (base / mine / theirs per field, as JSON).
- ``rejections``: mutations the hub refused, with its reasons, waiting for the user to fix.
- ``receipts``: the hub's proof of every referral and response shared.
- ``drafts``: forms and notes being written; never sent, saved at every change.
- ``attachments``: encrypted blobs (inside the encrypted database) addressed by SHA-256, with upload progress.
- ``audit``: hash-chained log of every view, change, export and share made on this device.
- ``search``: FTS5 index over notes and case details; contentless (the text lives in ``records.body`` only), its
  rowids named by ``search_docs``.
"""

from __future__ import annotations

from typing import Final

MIGRATIONS: Final[dict[int, str]] = {
    1: """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE records (
    id             TEXT PRIMARY KEY,          -- UUIDv7, made on the device (or by the hub)
    type           TEXT NOT NULL,             -- protocol.RecordType
    case_id        TEXT NOT NULL,
    body           TEXT NOT NULL,             -- JSON object: the local view
    server_body    TEXT,                      -- JSON object: as the hub last acknowledged it; NULL before
    server_version INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL DEFAULT 'pending',
    hub_meta       TEXT,                      -- JSON protocol.HubMeta
    created_at     TEXT NOT NULL,             -- device clock, display only: ordering uses hub sequence numbers
    updated_at     TEXT NOT NULL
);
CREATE INDEX records_by_case ON records (case_id, type);
CREATE INDEX records_by_type ON records (type, updated_at);
CREATE INDEX records_by_state ON records (state) WHERE state != 'synced';

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id  TEXT NOT NULL UNIQUE,
    record_id    TEXT NOT NULL,
    record_type  TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    fields       TEXT NOT NULL,               -- JSON object: the changed fields
    state        TEXT NOT NULL DEFAULT 'queued',
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX outbox_by_record ON outbox (record_id, seq);
CREATE INDEX outbox_by_state ON outbox (state, seq);

CREATE TABLE conflicts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id      TEXT NOT NULL,
    mutation_id    TEXT,
    server_version INTEGER NOT NULL,
    fields         TEXT NOT NULL,             -- JSON list of protocol.FieldConflict
    created_at     TEXT NOT NULL,
    resolved_at    TEXT
);
CREATE INDEX conflicts_open ON conflicts (record_id) WHERE resolved_at IS NULL;

CREATE TABLE rejections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    outcome     TEXT NOT NULL,                -- rejected | forbidden
    issues      TEXT NOT NULL,                -- JSON list of protocol.Issue
    created_at  TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX rejections_open ON rejections (record_id) WHERE resolved_at IS NULL;

CREATE TABLE receipts (
    record_id     TEXT PRIMARY KEY,
    hub_reference TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    content_hash  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    case_id    TEXT,
    kind       TEXT NOT NULL,                 -- a form id, or 'note'
    body       TEXT NOT NULL,                 -- JSON
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE attachments (
    sha256      TEXT PRIMARY KEY,
    record_id   TEXT,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    data        BLOB NOT NULL,
    chunks_sent TEXT NOT NULL DEFAULT '[]',   -- JSON list of chunk indexes the hub holds
    uploaded    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,                  -- view | create | change | export | share | print | unlock | ...
    record_id TEXT,
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TABLE search_map (                 -- which row of `search` indexes which record
    record_id TEXT PRIMARY KEY,
    doc       INTEGER NOT NULL                -- rowid in `search`
) WITHOUT ROWID;

CREATE VIRTUAL TABLE search USING fts5 (
    record_id UNINDEXED,
    case_id UNINDEXED,
    kind UNINDEXED,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
""",
    # Indexes for the caseload's per-case counts (pending outbox rows, drafts): without them, listing 1,000 cases
    # with pending work scans the outbox once per case. Added for the field app; no table changes.
    2: """
CREATE INDEX IF NOT EXISTS outbox_by_case ON outbox (case_id, state);
CREATE INDEX IF NOT EXISTS drafts_by_case ON drafts (case_id);
""",
    # The search index keeps no second copy of the text: a contentless FTS5 table (deletable, SQLite >= 3.43) beside
    # `search_docs`, which names the record behind each of its rowids. Writing a note no longer stores its text twice
    # (half the FTS cost on a pull); snippets are cut from records.body. The old table still holds the exact indexed
    # text, so the new index is filled from it here, in SQL.
    3: """
CREATE TABLE search_docs (
    doc       INTEGER PRIMARY KEY,            -- rowid in `search`
    record_id TEXT NOT NULL UNIQUE
);
INSERT INTO search_docs (doc, record_id) SELECT doc, record_id FROM search_map;
CREATE VIRTUAL TABLE search_v3 USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_v3 (rowid, text) SELECT s.rowid, s.text FROM search s JOIN search_docs d ON d.doc = s.rowid;
DROP TABLE search;
DROP TABLE search_map;
ALTER TABLE search_v3 RENAME TO search;
""",
}

LATEST_VERSION: Final = max(MIGRATIONS)
