"""Applying pushed mutations, each exactly once, each in its own transaction.

For every mutation, one write transaction: look up the mutation id (a replay returns the stored answer; the same id
with another payload is ``rejected``/``mutation_reused``), lock the record, decide the outcome, write the record, its
version, the answer and an audit row, commit. One bad mutation never stops the rest of the batch.
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

from hub import _access, _audit, _store
from hub._auth import Principal, when
from hub._db import Database
from hub._settings import Settings
from hub._tables import conflicts, mutations, record_versions, records
from hub._validation import errors, validate
from sync.merge import merge_fields
from sync.protocol import (
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
)

_ODS: Final = re.compile(r"^[A-Z][0-9]{5}$")
REFERRAL_RECEIVED: Final = "received"


def payload_hash(m: Mutation) -> str:
    return hashlib.sha256(canonical_json(m.model_dump(mode="json"))).hexdigest()


def push(db: Database, settings: Settings, who: Principal, batch: list[Mutation]) -> list[MutationResult]:
    return [db.retrying(lambda conn, m=m: _apply_once(conn, settings.clock(), who, m)) for m in batch]  # type: ignore[misc]


def _answer(m: Mutation, outcome: Outcome, **kw: Any) -> MutationResult:
    return MutationResult(mutation_id=m.mutation_id, record_id=m.record_id, outcome=outcome, **kw)


def _rejected(m: Mutation, code: str, message: str, path: str = "") -> MutationResult:
    return _answer(m, Outcome.REJECTED, issues=[Issue(path=path, code=code, message=message)])


def _apply_once(conn: Connection, now: float, who: Principal, m: Mutation) -> MutationResult:
    digest = payload_hash(m)
    stored = conn.execute(
        sa.select(mutations.c.payload_hash, mutations.c.result).where(mutations.c.mutation_id == str(m.mutation_id))
    ).one_or_none()
    if stored is not None:
        if stored.payload_hash == digest:
            _audit.record(
                conn,
                at=now,
                actor=who.username,
                device_id=who.device_id,
                action="push.replay",
                target=str(m.record_id),
                outcome="replayed",
            )
            return MutationResult.model_validate_json(stored.result)
        _audit.record(
            conn,
            at=now,
            actor=who.username,
            device_id=who.device_id,
            action="push",
            target=str(m.record_id),
            outcome="mutation_reused",
        )
        return _rejected(m, "mutation_reused", "this mutation id was already used with a different payload")
    result = _decide(conn, now, who, m)
    conn.execute(
        sa.insert(mutations).values(
            mutation_id=str(m.mutation_id),
            payload_hash=digest,
            record_id=str(m.record_id),
            device_id=who.device_id,
            result=result.model_dump_json(),
            created_at=now,
        )
    )
    _audit.record(
        conn,
        at=now,
        actor=who.username,
        device_id=who.device_id,
        action=f"push.{m.record_type.value}",
        target=str(m.record_id),
        outcome=result.outcome.value,
        detail={"version": result.version, "issues": [i.code for i in result.issues]} if result.issues else None,
    )
    return result


def _decide(conn: Connection, now: float, who: Principal, m: Mutation) -> MutationResult:
    if m.record_type not in _access.WRITABLE[who.role]:
        return _answer(m, Outcome.FORBIDDEN, issues=[Issue(path="", code="forbidden", message="not for your role")])
    row = conn.execute(
        sa.select(records).where(records.c.record_id == str(m.record_id)).with_for_update()
    ).one_or_none()
    if row is None:
        return _create(conn, now, who, m)
    return _update(conn, now, who, m, row._mapping)


def _create(conn: Connection, now: float, who: Principal, m: Mutation) -> MutationResult:
    if m.base_version != 0:
        return _rejected(m, "unknown_record", "the hub has no such record to update")
    case_id, fields = str(m.case_id), dict(m.fields)
    if m.record_type == RecordType.CASE and m.record_id != m.case_id:
        return _rejected(m, "case_id_mismatch", "a case record's case_id must be its own id")
    extra: dict[str, Any] = {}
    if m.record_type == RecordType.RESPONSE:
        refused = _check_response(conn, who, m, extra)
        if refused is not None:
            return refused
    elif not _access.has_case(conn, who, case_id) and not (
        who.role in _access.CASEWORKERS and _access.case_unclaimed(conn, case_id)
    ):
        return _answer(m, Outcome.FORBIDDEN, issues=[Issue(path="case_id", code="forbidden", message="not your case")])
    if m.record_type == RecordType.INFO_REQUEST:
        ods = fields.get("practice_ods")
        if not isinstance(ods, str) or not _ODS.match(ods):
            return _rejected(m, "bad_ods_code", "practice_ods must be a GP practice ODS code", "practice_ods")
        extra["practice_ods"] = ods
    issues = validate(m.record_type.value, fields, partial=False)
    if errors(issues):
        return _answer(m, Outcome.REJECTED, issues=issues)
    receipt = None
    if m.record_type == RecordType.REFERRAL:
        extra["status"] = REFERRAL_RECEIVED
        extra["routed_to"] = _local_authority(fields)
    if m.record_type in RECEIPTED_TYPES:
        receipt = Receipt(
            hub_reference=_store.hub_reference(conn, now), received_at=when(now), content_hash=content_hash(fields)
        )
        extra.update(receipt_ref=receipt.hub_reference, receipt_at=now, receipt_hash=receipt.content_hash)
    if who.role in _access.CASEWORKERS:
        _access.grant(conn, case_id, who.user_id, "created", now)
    _store.insert_record(
        conn,
        now=now,
        record_id=str(m.record_id),
        record_type=m.record_type.value,
        case_id=case_id,
        fields=fields,
        user_id=who.user_id,
        mutation_id=str(m.mutation_id),
        extra=extra,
    )
    return _answer(m, Outcome.APPLIED, version=1, issues=issues, receipt=receipt)


def _check_response(conn: Connection, who: Principal, m: Mutation, extra: dict[str, Any]) -> MutationResult | None:
    request_id = m.fields.get("request_id")
    try:
        request_uuid = uuid.UUID(str(request_id))
    except ValueError:
        return _rejected(m, "unknown_request", "request_id must name an information request", "request_id")
    request = conn.execute(
        sa.select(records.c.case_id, records.c.practice_ods).where(
            records.c.record_id == str(request_uuid), records.c.record_type == RecordType.INFO_REQUEST.value
        )
    ).one_or_none()
    if request is None:
        return _rejected(m, "unknown_request", "no such information request", "request_id")
    if request.practice_ods != who.ods_code:
        return _answer(
            m,
            Outcome.FORBIDDEN,
            issues=[
                Issue(path="request_id", code="forbidden", message="that request is addressed to another practice")
            ],
        )
    if request.case_id != str(m.case_id):
        return _rejected(m, "case_mismatch", "case_id must be the case of the request it answers", "case_id")
    extra.update(practice_ods=request.practice_ods, request_id=str(request_uuid))
    return None


def _local_authority(fields: dict[str, JsonValue]) -> str | None:
    """Where a referral goes: the local authority named in its body (forms' ``{code, key, name}``, or a string)."""
    value = fields.get("local_authority")
    if isinstance(value, dict):
        name, code = value.get("name"), value.get("code")
        value = f"{name} ({code})" if isinstance(name, str) and isinstance(code, str) else name
    if isinstance(value, str) and value.strip():
        return value.strip()[:200]
    return None


def _update(conn: Connection, now: float, who: Principal, m: Mutation, row: Any) -> MutationResult:
    if m.base_version == 0:
        return _rejected(m, "record_exists", "a record with this id already exists")
    if row["record_type"] != m.record_type.value or row["case_id"] != str(m.case_id):
        return _rejected(m, "record_mismatch", "record_type or case_id differ from the hub's record")
    if not _access.can_read_record(conn, who, row["record_id"]):
        return _answer(m, Outcome.FORBIDDEN, issues=[Issue(path="case_id", code="forbidden", message="not your case")])
    if m.record_type not in MUTABLE_TYPES:
        return _rejected(m, "append_only", "this record cannot be changed: add an addendum instead")
    version = int(row["version"])
    if m.base_version > version:
        return _rejected(m, "bad_base_version", f"base_version {m.base_version} is ahead of the hub's {version}")
    issues = validate(m.record_type.value, m.fields, partial=True)
    if errors(issues):
        return _answer(m, Outcome.REJECTED, issues=issues)
    theirs = _store.loads_fields(row["fields"])
    if m.base_version == version:
        outcome, apply = Outcome.APPLIED, {k: v for k, v in m.fields.items() if theirs.get(k) != v}
    else:
        base_text = conn.execute(
            sa.select(record_versions.c.fields).where(
                record_versions.c.record_id == row["record_id"], record_versions.c.version == m.base_version
            )
        ).scalar_one()
        merge = merge_fields(_store.loads_fields(base_text), m.fields, theirs)
        if not merge.clean:
            _record_conflict(conn, now, who, m, version, merge.conflicts)
            return _answer(m, Outcome.CONFLICT, version=version, fields=theirs, conflicts=list(merge.conflicts))
        outcome, apply = Outcome.MERGED, dict(merge.apply)
    if not apply:  # nothing left to change: no new version, nothing for others to pull
        return _answer(m, outcome, version=version, fields=theirs if outcome == Outcome.MERGED else None, issues=issues)
    merged = {**theirs, **apply}
    _store.update_record(
        conn,
        now=now,
        record_id=row["record_id"],
        version=version + 1,
        fields=merged,
        user_id=who.user_id,
        mutation_id=str(m.mutation_id),
    )
    return _answer(m, outcome, version=version + 1, fields=merged if outcome == Outcome.MERGED else None, issues=issues)


def _record_conflict(
    conn: Connection, now: float, who: Principal, m: Mutation, version: int, found: tuple[FieldConflict, ...]
) -> None:
    conn.execute(
        sa.insert(conflicts).values(
            record_id=str(m.record_id),
            mutation_id=str(m.mutation_id),
            user_id=who.user_id,
            base_version=m.base_version,
            hub_version=version,
            fields=json.dumps([c.model_dump(mode="json") for c in found]),
            created_at=now,
        )
    )
