"""The app's local record store over an unlocked vault: records, outbox, drafts, attachments, receipts, search, audit.

Every local write commits with its outbox row (through ``_outbox.Outbox``, the outbox's one writer), its search
index entry and its audit entry in one transaction (guarantee 2 of the sync design). Record types are either mutable
(case, person: field by field) or append-only (everything else: created once; a correction is a new note with
``addendum_to``).

Saving an existing mutable record computes the fields that really changed. Those are merged into the record's newest
outbox row while that row has never been sent (``queued``, 0 attempts), so an offline afternoon of edits goes out as
one mutation; otherwise a new outbox row is appended on the record's current server version.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple
from uuid import UUID

from protocol import (
    MAX_ATTACHMENT_BYTES,
    MAX_FIELD_NAME_LENGTH,
    MAX_FIELDS_PER_MUTATION,
    MUTABLE_TYPES,
    Receipt,
    RecordType,
)
from sync import _audit, _json, _search
from sync._errors import AppendOnlyRecord, RecordError
from sync._ids import new_id, new_id_strings, new_ids
from sync._outbox import Outbox
from sync._sqlcipher import DbConnection
from sync._vault import Vault

_FIELD_NAME: Final = re.compile(rf"[a-z][a-z0-9_]{{0,{MAX_FIELD_NAME_LENGTH - 1}}}")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_RECORD_TYPES: Final[dict[object, RecordType]] = {t.value: t for t in RecordType}
# Names already checked: the forms use a few hundred, and every record of a batch repeats them. Bounded, so names
# made up by a caller cannot grow it without end.
_GOOD_NAMES: Final[set[object]] = set()
_MAX_GOOD_NAMES: Final = 4096
_RECORD_COLUMNS: Final = "id, type, case_id, body, server_body, server_version, state, hub_meta, created_at, updated_at"
# Built once from constants (no user input reaches them).
_SELECT_RECORDS: Final = f"SELECT {_RECORD_COLUMNS} FROM records"  # noqa: S608
_SELECT_RECORD: Final = f"{_SELECT_RECORDS} WHERE id = ?"
_SELECT_CASES: Final = (
    "SELECT r.id, r.type, r.case_id, r.body, r.server_body, r.server_version, r.state, r.hub_meta, r.created_at, "
    "r.updated_at, "
    "(SELECT count(*) FROM drafts d WHERE d.case_id = r.id) AS n_drafts, "
    "(SELECT count(*) FROM outbox o WHERE o.case_id = r.id AND o.state IN ('queued', 'held')) AS n_pending, "
    "(SELECT count(*) FROM conflicts c JOIN records x ON x.id = c.record_id "
    " WHERE x.case_id = r.id AND c.resolved_at IS NULL) AS n_conflicts "
    "FROM records r WHERE r.type = 'case' ORDER BY r.updated_at DESC, r.id"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _dumps(value: Any) -> str:
    try:
        return _json.dumps(value)
    except ValueError as exc:
        raise RecordError("A record's answers cannot hold NaN or infinity.") from exc


class LocalRecord(NamedTuple):
    """A record as this device holds it. A named tuple, not a frozen dataclass: as immutable, and made in a third
    of the time (a batch of saves or a pulled page makes one per record)."""

    id: UUID
    type: str
    case_id: UUID
    body: dict[str, Any]  # the local view: the hub's fields with pending local edits on top
    server_body: dict[str, Any] | None  # as the hub last acknowledged it (None before)
    server_version: int
    state: str  # synced | pending | conflict | rejected
    hub_meta: dict[str, Any] | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Any) -> LocalRecord:
        return cls(
            id=UUID(row["id"]),
            type=str(row["type"]),
            case_id=UUID(row["case_id"]),
            body=_json.loads(row["body"]),
            server_body=None if row["server_body"] is None else _json.loads(row["server_body"]),
            server_version=int(row["server_version"]),
            state=str(row["state"]),
            hub_meta=None if row["hub_meta"] is None else _json.loads(row["hub_meta"]),
            created_at=str(row["created_at"]),
            updated_at=str(row["updated_at"]),
        )


@dataclass(frozen=True, slots=True)
class RecordInput:
    """One record to save with ``Repository.save_records`` (same meaning as ``save_record``'s arguments)."""

    record_type: str
    fields: Mapping[str, Any]
    case_id: UUID | None = None
    record_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A row of the caseload screen."""

    record: LocalRecord
    drafts: int
    pending: int  # outbox rows (queued or held) for records of this case
    conflicts: int  # open conflicts on records of this case


@dataclass(frozen=True, slots=True)
class Draft:
    id: UUID
    case_id: UUID | None
    kind: str  # a form id, or 'note'
    body: dict[str, Any]
    updated_at: str


@dataclass(frozen=True, slots=True)
class Attachment:
    sha256: str
    record_id: UUID | None
    media_type: str
    data: bytes


class Repository:
    """The local store. Every method needs the vault unlocked (else VaultLocked)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    @property
    def vault(self) -> Vault:
        return self._vault

    # --- records -----------------------------------------------------------------------------------------------------

    def save_record(
        self,
        record_type: str,
        fields: Mapping[str, Any],
        *,
        case_id: UUID | None = None,
        record_id: UUID | None = None,
    ) -> LocalRecord:
        """Create a record, or change a mutable one, with its outbox row, in one transaction.

        Raises AppendOnlyRecord (an existing append-only record), RecordError (unknown type, bad field names,
        a non-case record without its case, a type that does not match the stored record).
        """
        return self.save_records([RecordInput(record_type, fields, case_id, record_id)])[0]

    def save_records(self, batch: Iterable[RecordInput]) -> list[LocalRecord]:
        """Save many records in ONE transaction (all or nothing). New records are written together, with one
        statement per table for the lot; a change to an existing record is written where it comes."""
        items = list(batch)
        with self._vault.transaction() as conn:
            fresh = _NewRecords(_now(), new_ids(sum(item.record_id is None for item in items)))
            saved = []
            for item in items:
                if item.record_id is not None:
                    fresh.write(conn)  # a given id may be a record made earlier in this batch: store those first
                saved.append(self._save(conn, item, fresh))
            fresh.write(conn)
            return saved

    def _save(self, conn: DbConnection, item: RecordInput, fresh: _NewRecords) -> LocalRecord:
        rtype = _RECORD_TYPES.get(item.record_type)
        if rtype is None:
            raise RecordError(f"Unknown record type {item.record_type!r}.")
        fields = dict(item.fields)
        _check_fields(fields)
        if item.record_id is None:
            return fresh.create(rtype, fields, item.case_id, None)
        row = conn.execute(_SELECT_RECORD, (str(item.record_id),)).fetchone()
        if row is None:
            return fresh.create(rtype, fields, item.case_id, item.record_id)
        existing = LocalRecord.from_row(row)
        if existing.type != rtype:
            raise RecordError(f"Record is a {existing.type}, not a {rtype}.")
        if rtype not in MUTABLE_TYPES:
            raise AppendOnlyRecord(rtype.value)
        return self._change(conn, existing, fields)

    def _change(self, conn: DbConnection, existing: LocalRecord, fields: dict[str, Any]) -> LocalRecord:
        changed = {k: v for k, v in fields.items() if existing.body.get(k) != v}
        if not changed:
            return existing
        body = {**existing.body, **changed}
        # A record waiting on a conflict or a rejection keeps that state: the user still has to see it.
        state = existing.state if existing.state in ("conflict", "rejected") else "pending"
        now = _now()
        conn.execute(
            "UPDATE records SET body = ?, state = ?, updated_at = ? WHERE id = ?",
            (_dumps(body), state, now, str(existing.id)),
        )
        Outbox(conn).add_change(
            str(existing.id), existing.type, str(existing.case_id), existing.server_version, changed
        )
        _search.index_record(conn, existing.id, existing.type, body)
        _audit.append_audit(conn, "change", existing.id, ",".join(sorted(changed)))
        return LocalRecord(
            existing.id, existing.type, existing.case_id, body, existing.server_body, existing.server_version,
            state, existing.hub_meta, existing.created_at, now,
        )  # fmt: skip

    def get_record(self, record_id: UUID) -> LocalRecord | None:
        """One record, or None. Audited as a view."""
        with self._vault.transaction() as conn:
            row = conn.execute(_SELECT_RECORD, (str(record_id),)).fetchone()
            if row is None:
                return None
            _audit.append_audit(conn, "view", record_id, str(row["type"]))
        return LocalRecord.from_row(row)

    def list_records(
        self, record_type: str | None = None, case_id: UUID | None = None, state: str | None = None
    ) -> list[LocalRecord]:
        """Records, oldest first, filtered by type, case and state."""
        where, params = [], []
        for column, value in (("type", record_type), ("case_id", case_id), ("state", state)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        sql = _SELECT_RECORDS
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, id"
        with self._vault.read() as conn:
            return [LocalRecord.from_row(r) for r in conn.execute(sql, params)]

    def list_cases(
        self,
        query: str = "",
        has_drafts: bool | None = None,
        pending: bool | None = None,
        conflicts: bool | None = None,
    ) -> list[CaseSummary]:
        """Cases for the caseload screen, newest change first. ``query`` searches the case and its records."""
        with self._vault.read() as conn:
            rows = conn.execute(_SELECT_CASES).fetchall()
            wanted: set[str] | None = None
            if query.strip():
                wanted = {str(h.case_id) for h in _search.search(conn, query, limit=10_000)}
        result = []
        for row in rows:
            summary = CaseSummary(
                LocalRecord.from_row(row), int(row["n_drafts"]), int(row["n_pending"]), int(row["n_conflicts"])
            )
            if wanted is not None and row["id"] not in wanted:
                continue
            if has_drafts is not None and (summary.drafts > 0) != has_drafts:
                continue
            if pending is not None and (summary.pending > 0) != pending:
                continue
            if conflicts is not None and (summary.conflicts > 0) != conflicts:
                continue
            result.append(summary)
        return result

    def pending_count(self) -> int:
        """Outbox rows not yet acknowledged by the hub (queued or held)."""
        with self._vault.read() as conn:
            return int(conn.execute("SELECT count(*) FROM outbox WHERE state IN ('queued', 'held')").fetchone()[0])

    def search(self, query: str, limit: int = 50) -> list[_search.SearchHit]:
        """Full-text search over notes and case details. Any text is safe to pass."""
        with self._vault.read() as conn:
            return _search.search(conn, query, limit=limit)

    def case_ids_matching(self, query: str, cases_by_doc: Mapping[int, str] | None = None) -> set[str]:
        """Ids of the cases whose indexed records match ``query`` (any text is safe, as for ``search``).

        For as-you-type search pass ``cases_by_doc`` from ``search_cases_by_doc()``, read once per change of data.
        """
        with self._vault.read() as conn:
            return _search.case_ids_matching(conn, query, cases_by_doc)

    def search_cases_by_doc(self) -> dict[int, str]:
        """The search index's entry -> case id mapping, for many ``case_ids_matching`` calls in a row."""
        with self._vault.read() as conn:
            return _search.doc_cases(conn)

    # --- drafts ------------------------------------------------------------------------------------------------------

    def save_draft(
        self, kind: str, body: Mapping[str, Any], *, case_id: UUID | None = None, draft_id: UUID | None = None
    ) -> UUID:
        """Create or replace a draft (saved at every change; never sent). Returns its id."""
        did = draft_id or new_id()
        with self._vault.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (id, case_id, kind, body, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET case_id = excluded.case_id, kind = excluded.kind, "
                "body = excluded.body, updated_at = excluded.updated_at",
                (str(did), None if case_id is None else str(case_id), kind, _dumps(dict(body)), _now()),
            )
        return did

    def get_draft(self, draft_id: UUID) -> Draft | None:
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT id, case_id, kind, body, updated_at FROM drafts WHERE id = ?", (str(draft_id),)
            ).fetchone()
        return None if row is None else _draft(row)

    def list_drafts(self, case_id: UUID | None = None, kind: str | None = None) -> list[Draft]:
        sql, params = "SELECT id, case_id, kind, body, updated_at FROM drafts WHERE 1 = 1", []
        if case_id is not None:
            sql += " AND case_id = ?"
            params.append(str(case_id))
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        with self._vault.read() as conn:
            return [_draft(r) for r in conn.execute(sql + " ORDER BY updated_at DESC", params)]

    def delete_draft(self, draft_id: UUID) -> bool:
        with self._vault.transaction() as conn:
            return conn.execute("DELETE FROM drafts WHERE id = ?", (str(draft_id),)).rowcount > 0

    # --- attachments and receipts -------------------------------------------------------------------------------------

    def put_attachment(self, data: bytes, media_type: str, record_id: UUID | None = None) -> str:
        """Store a blob inside the encrypted database; returns its SHA-256 (hex). Storing it twice is harmless."""
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise RecordError(f"Attachments are limited to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
        digest = hashlib.sha256(data).hexdigest()
        with self._vault.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO attachments (sha256, record_id, media_type, size, data) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO NOTHING",
                (digest, None if record_id is None else str(record_id), media_type, len(data), data),
            )
            if cur.rowcount:
                _audit.append_audit(conn, "attach", record_id, digest)
        return digest

    def discard_attachment(self, sha256: str) -> bool:
        """Delete an attachment the user removed, so it is never sent: only while not uploaded (not even in part)
        and no draft, record or outbox entry names it (the same photo may sit in another field). Returns whether it
        went; ``secure_delete`` overwrites the freed pages."""
        if not _SHA256.fullmatch(sha256):
            return False
        with self._vault.transaction() as conn:
            named = conn.execute(
                "SELECT 1 FROM drafts WHERE instr(body, :s) > 0 "
                "UNION ALL SELECT 1 FROM records WHERE instr(body, :s) > 0 OR instr(server_body, :s) > 0 "
                "UNION ALL SELECT 1 FROM outbox WHERE instr(fields, :s) > 0 LIMIT 1",
                {"s": sha256},
            ).fetchone()
            if named is not None:
                return False
            gone = conn.execute(
                "DELETE FROM attachments WHERE sha256 = ? AND uploaded = 0 AND chunks_sent = '[]'", (sha256,)
            ).rowcount
            if gone:
                _audit.append_audit(conn, "attach.discard", None, sha256)
        return bool(gone)

    def get_attachment(self, sha256: str) -> Attachment | None:
        if not _SHA256.fullmatch(sha256):
            return None
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT sha256, record_id, media_type, data FROM attachments WHERE sha256 = ?", (sha256,)
            ).fetchone()
        if row is None:
            return None
        rid = None if row["record_id"] is None else UUID(row["record_id"])
        return Attachment(str(row["sha256"]), rid, str(row["media_type"]), bytes(row["data"]))

    def get_receipt(self, record_id: UUID) -> Receipt | None:
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT hub_reference, received_at, content_hash FROM receipts WHERE record_id = ?", (str(record_id),)
            ).fetchone()
        if row is None:
            return None
        return Receipt(
            hub_reference=row["hub_reference"], received_at=row["received_at"], content_hash=row["content_hash"]
        )

    # --- audit -------------------------------------------------------------------------------------------------------

    def record_event(self, action: str, record_id: UUID | None = None, detail: str = "") -> None:
        """Audit an action done outside the store (export, print, share). ``detail`` must hold no field values."""
        with self._vault.transaction() as conn:
            _audit.append_audit(conn, action, record_id, detail)

    def audit_log(self, record_id: UUID | None = None, limit: int | None = None) -> list[_audit.AuditEntry]:
        with self._vault.read() as conn:
            return _audit.read_audit(conn, record_id=record_id, limit=limit)

    def verify_audit_chain(self) -> bool:
        with self._vault.read() as conn:
            return _audit.verify_chain(conn)


class _NewRecords:
    """Records created by one ``save_records`` call, waiting to be written: each with its outbox row, its search
    entry and its audit entry. ``write`` stores them with one statement per table (with memory security on, every
    statement executed costs SQLCipher locked and wiped heap blocks; one ``executemany`` reuses them)."""

    def __init__(self, now: str, ids: list[tuple[UUID, str]]) -> None:
        """``ids``: one new id for each record the batch creates without one given (made together: see _ids)."""
        self.now = now
        self._ids = iter(ids)
        self._case_ids: dict[UUID, str] = {}  # a batch is mostly one case: its id turned into text once
        self._records: list[tuple[str, str, str, str, str, str]] = []
        self._outbox: list[tuple[str, str, str, str, str]] = []  # all but the mutation id, made in ``write``
        self._searched: list[tuple[str, str, Mapping[str, Any]]] = []

    def create(
        self, rtype: RecordType, fields: dict[str, Any], case_id: UUID | None, record_id: UUID | None
    ) -> LocalRecord:
        """A new record (``record_id`` None: the next new id), queued for ``write``."""
        rid, rid_text = (record_id, str(record_id)) if record_id is not None else next(self._ids)
        if rtype is RecordType.CASE:
            cid, cid_text = rid, rid_text
        elif case_id is None:
            raise RecordError(f"A {rtype.value} must belong to a case.")
        else:
            cid = case_id
            cid_text = self._case_ids.get(cid) or self._case_ids.setdefault(cid, str(cid))
        kind = rtype.value
        body = _dumps(fields)
        now = self.now
        self._records.append((rid_text, kind, cid_text, body, now, now))
        self._outbox.append((rid_text, kind, cid_text, body, now))
        self._searched.append((rid_text, kind, fields))
        return LocalRecord(rid, kind, cid, fields, None, 0, "pending", None, now, now)

    def write(self, conn: DbConnection) -> None:
        if not self._records:
            return
        conn.executemany(
            "INSERT INTO records (id, type, case_id, body, server_body, server_version, state, hub_meta, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, NULL, 0, 'pending', NULL, ?, ?)",
            self._records,
        )
        mutation_ids = new_id_strings(len(self._outbox))  # in one go: ids made in order, one urandom call
        Outbox(conn).add_many([(m, *row) for m, row in zip(mutation_ids, self._outbox, strict=True)])
        _search.index_new_records(conn, self._searched)
        _audit.append_audits(conn, "create", [(r[0], r[1]) for r in self._records])
        self._records, self._outbox, self._searched = [], [], []


def _check_fields(fields: Mapping[str, Any]) -> None:
    """Field names must be what the wire protocol accepts; values must be JSON."""
    if len(fields) > MAX_FIELDS_PER_MUTATION:
        raise RecordError(f"A record may have at most {MAX_FIELDS_PER_MUTATION} fields.")
    for name in fields:
        if name in _GOOD_NAMES:
            continue
        if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
            raise RecordError(f"Field name {name!r} is not allowed (lower case letters, digits and _).")
        if len(_GOOD_NAMES) < _MAX_GOOD_NAMES:
            _GOOD_NAMES.add(name)


def _draft(row: Any) -> Draft:
    return Draft(
        id=UUID(row["id"]),
        case_id=None if row["case_id"] is None else UUID(row["case_id"]),
        kind=str(row["kind"]),
        body=_json.loads(row["body"]),
        updated_at=str(row["updated_at"]),
    )


__all__ = ["Attachment", "CaseSummary", "Draft", "LocalRecord", "RecordInput", "Repository"]
