"""Builders shared by the sync-client tests: a fast test vault, and hub answers made by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sync._replica import OutboxRow
from sync._repository import Repository
from sync._vault import Vault, VaultSettings
from sync.protocol import (
    Change,
    FieldConflict,
    HubMeta,
    Issue,
    MutationResult,
    Outcome,
    Receipt,
    RecordType,
    SyncResponse,
)

PASSPHRASE = "plum orchard lantern 7 quietly"


def make_vault(path: Path) -> Vault:
    return Vault.create(path, PASSPHRASE, settings=VaultSettings.for_tests())


def open_vault(path: Path) -> Vault:
    vault = Vault.open(path, settings=VaultSettings.for_tests())
    vault.unlock(PASSPHRASE)
    return vault


def response(
    results: Iterable[MutationResult] = (),
    changes: Iterable[Change] = (),
    *,
    cursor: int = 0,
    more: bool = False,
    lease_days: float = 7,
) -> SyncResponse:
    return SyncResponse(
        results=list(results),
        changes=list(changes),
        cursor=cursor,
        more=more,
        lease_expires_at=datetime.now(UTC) + timedelta(days=lease_days),
    )


def result(
    row: OutboxRow,
    outcome: Outcome = Outcome.APPLIED,
    *,
    version: int = 1,
    fields: Mapping[str, Any] | None = None,
    conflicts: Iterable[FieldConflict] = (),
    issues: Iterable[Issue] = (),
    receipt: Receipt | None = None,
) -> MutationResult:
    return MutationResult(
        mutation_id=UUID(row.mutation_id),
        record_id=UUID(row.record_id),
        outcome=outcome,
        version=version,
        fields=dict(fields) if fields is not None else None,
        conflicts=list(conflicts),
        issues=list(issues),
        receipt=receipt,
    )


def change(
    seq: int,
    record_id: str | UUID,
    version: int,
    fields: Mapping[str, Any],
    *,
    record_type: RecordType = RecordType.CASE,
    case_id: str | UUID | None = None,
    hub: HubMeta | None = None,
) -> Change:
    rid = UUID(str(record_id))
    return Change(
        seq=seq,
        record_id=rid,
        record_type=record_type,
        case_id=UUID(str(case_id)) if case_id is not None else rid,
        version=version,
        fields=dict(fields),
        hub=hub or HubMeta(),
    )


def record_row(vault: Vault, record_id: str | UUID) -> dict[str, Any]:
    with vault.read() as conn:
        row = conn.execute("SELECT * FROM records WHERE id = ?", (str(record_id),)).fetchone()
    return dict(row)


def outbox(vault: Vault, record_id: str | UUID | None = None) -> list[dict[str, Any]]:
    with vault.read() as conn:
        if record_id is None:
            rows = conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        else:
            rows = conn.execute("SELECT * FROM outbox WHERE record_id = ? ORDER BY seq", (str(record_id),)).fetchall()
    return [dict(r) for r in rows]


__all__ = [
    "PASSPHRASE",
    "Repository",
    "change",
    "make_vault",
    "open_vault",
    "outbox",
    "record_row",
    "response",
    "result",
]
