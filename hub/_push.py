"""Applying a pushed batch of mutations, each exactly once, in one transaction per batch.

The batch's transaction: load the stored answers of its mutation ids and lock the records it touches (in record-id
order, so two batches never wait on each other in a cycle), then for each mutation in order: a replay returns the
stored answer; the same id with another payload is ``rejected``/``mutation_reused`` (not stored); otherwise decide
the outcome, write the record, its version and the answer. One audit row lists every outcome; commit.
A rejected or forbidden mutation changes nothing and never stops the rest of the batch. If the transaction loses a
race (another hub process inserted the same record or mutation id first), it is rolled back and run again, and the
replay path answers from what the winner stored.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any, Final

import sqlalchemy as sa
from pydantic import JsonValue
from sqlalchemy.engine import Connection

import forms
from hub import _access, _audit, _delivery, _linking, _store
from hub._auth import Principal, when
from hub._authorship import attest, claim_issues
from hub._db import Database
from hub._pull import author_of
from hub._settings import Settings
from hub._tables import conflicts, devices, mutations, record_versions, records
from hub._validation import errors, request_echo_issues, validate
from protocol import (
    MUTABLE_TYPES,
    RECEIPTED_TYPES,
    FieldConflict,
    Issue,
    Mutation,
    MutationResult,
    Outcome,
    Receipt,
    RecordType,
    canonical_json,
    content_hash,
    merge_fields,
)

_ODS: Final = re.compile(r"^[A-Z][0-9]{5}$")
REFERRAL_RECEIVED: Final = "received"

# A stored answer is the sender's: it may hold a whole record the user could see then. The user behind the device
# that first sent the mutation comes with it (a re-enrolled device is a new device of the same user).
_STORED: Final = (
    sa.select(mutations.c.mutation_id, mutations.c.payload_hash, mutations.c.result, devices.c.user_id)
    .join(devices, devices.c.device_id == mutations.c.device_id)
    .where(mutations.c.mutation_id.in_(sa.bindparam("ids", expanding=True)))
)
_LOCK: Final = (
    sa.select(records)
    .where(records.c.record_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(records.c.record_id)
    .with_for_update()
)
_REQUEST_VERSIONS: Final = (
    sa.select(record_versions.c.fields)
    .where(record_versions.c.record_id == sa.bindparam("rid"))
    .order_by(record_versions.c.version.desc())
)
_BASE: Final = sa.select(record_versions.c.fields).where(
    record_versions.c.record_id == sa.bindparam("rid"), record_versions.c.version == sa.bindparam("v")
)
_REQUEST: Final = sa.select(
    records.c.case_id, records.c.practice_ods, records.c.team, records.c.team_role, records.c.fields
).where(records.c.record_id == sa.bindparam("rid"), records.c.record_type == RecordType.INFO_REQUEST.value)


def payload_hash(m: Mutation) -> str:
    return hashlib.sha256(canonical_json(m.model_dump(mode="json"))).hexdigest()


def push(
    db: Database, settings: Settings, who: Principal, batch: list[Mutation], cursor: int | None = None
) -> list[MutationResult]:
    """``cursor``: the one the device sent with this batch (``/v1/sync``), noted in the same transaction."""
    if not batch:
        return []

    def work(conn: Connection) -> list[MutationResult]:
        now = settings.clock()
        results = _Batch(conn, now, who).run(batch)
        if cursor is not None:
            _delivery.note_cursor(conn, who.device_id, cursor, now)
        return results

    return db.retrying(work)


def _answer(m: Mutation, outcome: Outcome, **kw: Any) -> MutationResult:
    return MutationResult(mutation_id=m.mutation_id, record_id=m.record_id, outcome=outcome, **kw)


def _rejected(m: Mutation, code: str, message: str, path: str = "") -> MutationResult:
    return _answer(m, Outcome.REJECTED, issues=[Issue(path=path, code=code, message=message)])


def _forbidden(m: Mutation, message: str, path: str = "case_id") -> MutationResult:
    return _answer(m, Outcome.FORBIDDEN, issues=[Issue(path=path, code="forbidden", message=message)])


def _local_authority(fields: dict[str, JsonValue]) -> str | None:
    """Where a referral goes: the local authority named in its body (forms' ``{code, key, name}``, or a string)."""
    value = fields.get("local_authority")
    if isinstance(value, dict):
        name, code = value.get("name"), value.get("code")
        value = f"{name} ({code})" if isinstance(name, str) and isinstance(code, str) else name
    if isinstance(value, str) and value.strip():
        return value.strip()[:200]
    return None


class _Batch:
    """One push request inside its transaction: what is stored, what is locked, and what the user may touch."""

    def __init__(self, conn: Connection, now: float, who: Principal) -> None:
        self.conn, self.now, self.who = conn, now, who
        self.stored: dict[str, tuple[str, str, str]] = {}  # mutation id -> (payload hash, result json, sender)
        self.rows: dict[str, dict[str, Any]] = {}  # record id -> current row (locked)
        self.cases: dict[str, str] = {}  # case id -> "held" | "claimable" (nobody's yet) | "no"
        self.pending = _store.PendingWrites()
        self.answers: list[dict[str, Any]] = []  # rows for ``mutations``, inserted together at the end
        self.created: list[dict[str, Any]] = []  # new records, linked to their child before the flush

    def run(self, batch: list[Mutation]) -> list[MutationResult]:
        ids = sorted({str(m.mutation_id) for m in batch})
        for row in self.conn.execute(_STORED, {"ids": ids}):
            self.stored[row.mutation_id] = (row.payload_hash, row.result, row.user_id)
        record_ids = sorted({str(m.record_id) for m in batch})
        for locked in self.conn.execute(_LOCK, {"ids": record_ids}).mappings():
            self.rows[locked["record_id"]] = dict(locked)
        results = [self._once(m) for m in batch]
        # Everything that needs no seq first: the counter row is locked from the flush to the commit, so that
        # window holds only the record writes.
        if self.answers:
            self.conn.execute(mutations.insert(), self.answers)
        # Linking reads and writes only its own tables, so it runs before the flush, outside the counter lock;
        # a fault in it never refuses the push (hub._linking.link_safely).
        _linking.link_safely(self.conn, self.created, self.now)
        _audit.record(
            self.conn,
            at=self.now,
            actor=self.who.username,
            device_id=self.who.device_id,
            action="push",
            target=f"{len(batch)} mutations",
            outcome="ok",
            detail=[[str(r.record_id), r.outcome.value, r.version] for r in results],
        )
        self.pending.flush(self.conn)
        return results

    def _once(self, m: Mutation) -> MutationResult:
        mutation_id = str(m.mutation_id)
        digest = payload_hash(m)
        if mutation_id in self.stored:
            stored_hash, result_json, sender = self.stored[mutation_id]
            if sender != self.who.user_id:
                # Someone else's mutation id: the same refusal whatever its payload, so it tells nothing about it.
                return _rejected(m, "mutation_reused", "this mutation id was already used")
            if stored_hash == digest:
                return MutationResult.model_validate_json(result_json)
            return _rejected(m, "mutation_reused", "this mutation id was already used with a different payload")
        result = self._decide(m)
        result_json = result.model_dump_json()
        self.answers.append(
            {
                "mutation_id": mutation_id,
                "payload_hash": digest,
                "record_id": str(m.record_id),
                "device_id": self.who.device_id,
                "result": result_json,
                "created_at": self.now,
            }
        )
        self.stored[mutation_id] = (digest, result_json, self.who.user_id)
        return result

    # -- deciding -------------------------------------------------------------------------------------------------
    def _may_write_case(self, case_id: str) -> bool:
        if case_id not in self.cases:
            who, state = self.who, "no"
            if _access.has_case(self.conn, who, case_id):
                state = "held"
            elif who.role in _access.CASEWORKERS and _access.case_unclaimed(self.conn, case_id):
                state = "claimable"
            self.cases[case_id] = state
        return self.cases[case_id] != "no"

    def _decide(self, m: Mutation) -> MutationResult:
        if m.record_type not in _access.WRITABLE[self.who.role]:
            return _forbidden(m, "not for your role", path="record_type")
        row = self.rows.get(str(m.record_id))
        if row is None:
            return self._create(m)
        return self._update(m, row)

    def _create(self, m: Mutation) -> MutationResult:
        if m.base_version != 0:
            return _rejected(m, "unknown_record", "the hub has no such record to update")
        case_id, fields, who = str(m.case_id), dict(m.fields), self.who
        if m.record_type == RecordType.CASE and m.record_id != m.case_id:
            return _rejected(m, "case_id_mismatch", "a case record's case_id must be its own id")
        extra: dict[str, Any] = {}
        request: list[dict[str, Any]] | None = None  # the request a response answers: each version the hub gave out
        if m.record_type == RecordType.RESPONSE:
            answered = self._answered_request(m, extra)
            if isinstance(answered, MutationResult):
                return answered
            request = answered
        elif not self._may_write_case(case_id):
            return _forbidden(m, "not your case")
        if m.record_type == RecordType.INFO_REQUEST:
            team = fields.get("team")
            if isinstance(team, dict):  # the model checks the rest: exactly one addressee, a known kind, a code
                extra["team"], extra["team_role"] = team.get("code"), forms.TEAM_KINDS.get(str(team.get("kind")))
            else:
                ods = fields.get("practice_ods")
                if not isinstance(ods, str) or not _ODS.match(ods):
                    return _rejected(m, "bad_ods_code", "practice_ods must be a GP practice ODS code", "practice_ods")
                extra["practice_ods"] = ods
        issues = validate(m.record_type.value, fields, partial=False)
        claims = claim_issues(m.record_type, fields, who)  # names in the body must be the writer's own
        if request is not None and not errors(issues):  # what it repeats of the request must be the request's
            claims += request_echo_issues(fields, request)
        if errors(issues) or claims:
            return _answer(m, Outcome.REJECTED, issues=[*issues, *claims])
        author = attest(who)
        extra["author"] = author.model_dump_json()
        receipt = None
        if m.record_type == RecordType.REFERRAL:
            extra["status"] = REFERRAL_RECEIVED
            extra["routed_to"] = _local_authority(fields)
        if m.record_type in RECEIPTED_TYPES:
            receipt = Receipt(
                hub_reference=_store.hub_reference(self.conn, self.now),
                received_at=when(self.now),
                content_hash=content_hash(fields),
            )
            extra.update(receipt_ref=receipt.hub_reference, receipt_at=self.now, receipt_hash=receipt.content_hash)
        if self.cases.get(case_id) == "claimable":  # the first record of a case nobody holds: it is theirs now
            _access.grant(self.conn, case_id, who.user_id, "created", self.now)
            self.cases[case_id] = "held"
        row = _store.new_row(
            now=self.now,
            record_id=str(m.record_id),
            record_type=m.record_type.value,
            case_id=case_id,
            fields=fields,
            user_id=who.user_id,
            extra=extra,
        )
        version = None
        if m.record_type in MUTABLE_TYPES:  # append-only records never need a base for merging
            version = _store.version_row(row["record_id"], 1, row["fields"], str(m.mutation_id), who.user_id, self.now)
        self.pending.insert(row, version)
        self.rows[str(m.record_id)] = row
        self.created.append(row)
        return _answer(m, Outcome.APPLIED, version=1, issues=issues, receipt=receipt, author=author)

    def _answered_request(self, m: Mutation, extra: dict[str, Any]) -> MutationResult | list[dict[str, Any]]:
        """The fields of the request a response answers, newest version first (a device may have drafted its answer
        before the MASH moved the deadline), or why it is refused (no such request, another recipient's, another
        case's, the wrong form). Puts the recipient's columns into ``extra``."""
        try:
            request_id = str(uuid.UUID(str(m.fields.get("request_id"))))
        except ValueError:
            return _rejected(m, "unknown_request", "request_id must name an information request", "request_id")
        request = self.conn.execute(_REQUEST, {"rid": request_id}).one_or_none()
        if request is None:
            return _rejected(m, "unknown_request", "no such information request", "request_id")
        if not _access.addressed_to(self.who, request.practice_ods, request.team, request.team_role):
            return _forbidden(m, "that request is addressed to another practice or team", path="request_id")
        if request.case_id != str(m.case_id):
            return _rejected(m, "case_mismatch", "case_id must be the case of the request it answers", "case_id")
        form = "team_response" if request.team is not None else "gp_response"
        if m.fields.get("form_id") != form:
            words = "a team's response form" if request.team is not None else "the GP response form"
            return _rejected(m, "wrong_form", f"this request is answered with {words}", "form_id")
        extra.update(
            practice_ods=request.practice_ods, team=request.team, team_role=request.team_role, request_id=request_id
        )
        older = self.conn.execute(_REQUEST_VERSIONS, {"rid": request_id}).scalars()
        return [dict(_store.loads_fields(text)) for text in dict.fromkeys([request.fields, *older])]

    def _update(self, m: Mutation, row: dict[str, Any]) -> MutationResult:
        if m.base_version == 0:
            return _rejected(m, "record_exists", "a record with this id already exists")
        if row["record_type"] != m.record_type.value or row["case_id"] != str(m.case_id):
            return _rejected(m, "record_mismatch", "record_type or case_id differ from the hub's record")
        if not _access.row_visible(self.who, row, self._may_write_case):
            return _forbidden(m, "not your case")
        if m.record_type not in MUTABLE_TYPES:
            return _rejected(m, "append_only", "this record cannot be changed: add an addendum instead")
        version = int(row["version"])
        if m.base_version > version:
            return _rejected(m, "bad_base_version", f"base_version {m.base_version} is ahead of the hub's {version}")
        issues = validate(m.record_type.value, m.fields, partial=True)
        theirs = _store.loads_fields(row["fields"])
        claims = claim_issues(m.record_type, m.fields, self.who, stored=theirs)  # who wrote it never changes
        if errors(issues) or claims:
            return _answer(m, Outcome.REJECTED, issues=[*issues, *claims])
        author = author_of(row)
        if m.base_version == version:
            outcome, apply = Outcome.APPLIED, {k: v for k, v in m.fields.items() if theirs.get(k) != v}
        else:
            base_text = self.pending.version_text(row["record_id"], m.base_version)
            if base_text is None:
                base_text = self.conn.execute(_BASE, {"rid": row["record_id"], "v": m.base_version}).scalar_one()
            merge = merge_fields(_store.loads_fields(base_text), m.fields, theirs)
            if not merge.clean:
                self._record_conflict(m, version, merge.conflicts)
                return _answer(
                    m, Outcome.CONFLICT, version=version, fields=theirs, conflicts=list(merge.conflicts), author=author
                )
            outcome, apply = Outcome.MERGED, dict(merge.apply)
        shown = theirs if outcome == Outcome.MERGED else None
        if not apply:  # nothing left to change: no new version, nothing for others to pull
            return _answer(m, outcome, version=version, fields=shown, issues=issues, author=author)
        merged = {**theirs, **apply}
        text = _store.dumps(merged)
        self.pending.update(
            {"rid": row["record_id"], "version": version + 1, "fields": text, "updated_at": self.now},
            _store.version_row(row["record_id"], version + 1, text, str(m.mutation_id), self.who.user_id, self.now),
        )
        row.update(version=version + 1, fields=text, updated_at=self.now)
        shown = merged if outcome == Outcome.MERGED else None
        return _answer(m, outcome, version=version + 1, fields=shown, issues=issues, author=author)

    def _record_conflict(self, m: Mutation, version: int, found: tuple[FieldConflict, ...]) -> None:
        self.conn.execute(
            conflicts.insert(),
            {
                "record_id": str(m.record_id),
                "mutation_id": str(m.mutation_id),
                "user_id": self.who.user_id,
                "base_version": m.base_version,
                "hub_version": version,
                "fields": json.dumps([c.model_dump(mode="json") for c in found]),
                "created_at": self.now,
            },
        )
