"""Builders shared by the sync-client tests: a fast test vault, and hub answers made by hand."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any
from uuid import UUID

import anyio.from_thread
import httpx

from protocol import (
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
from sync import Repository, Vault, VaultSettings
from sync._replica import OutboxRow

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


# -- an in-process hub (real hub app, no socket) -------------------------------------------------------------------


def new_case(name: str = "Amy Example") -> dict[str, Any]:
    """A case body the hub's validation accepts."""
    return {"child_name": name, "nhs_number_not_known": True}


def new_note(text: str) -> dict[str, Any]:
    return {"text": text, "written_at": "2026-11-30T10:00:00+00:00"}  # the hub attests who wrote it


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport into an ASGI app (httpx's own ASGITransport is async only), run in an anyio
    portal thread. Adds a Date header as a real server would (the client reads the hub's clock from it)."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            answer = await self._inner.handle_async_request(inner)
            raw = b"".join([chunk async for chunk in answer.aiter_raw()])
            return answer.status_code, list(answer.headers.raw), raw

        status, headers, raw = self._portal.call(call)
        if not any(k.lower() == b"date" for k, _ in headers):
            headers.append((b"date", formatdate(usegmt=True).encode()))
        return httpx.Response(status, headers=headers, content=raw)

    def close(self) -> None:
        self._portal_cm.__exit__(None, None, None)


class InProcessHub:
    """The real hub app on a temporary SQLite file, reached in-process through ``SyncASGITransport``."""

    def __init__(self, db_path: Path, **settings: Any) -> None:
        from hub import Settings, create_app
        from hub._admin import create_user, enrol_code, revoke_device

        self.shift = 0.0  # seconds added to the hub's clock (token expiry without sleeping)
        self.settings = Settings(db_url=f"sqlite:///{db_path}", clock=lambda: time.time() + self.shift, **settings)
        self.app = create_app(self.settings)
        self.db = self.app.state.db
        self._create_user, self._enrol_code, self._revoke = create_user, enrol_code, revoke_device
        self.clients: list[httpx.Client] = []

    def http(self) -> httpx.Client:
        client = httpx.Client(transport=SyncASGITransport(self.app), base_url="http://127.0.0.1")
        self.clients.append(client)
        return client

    def enrol_code(self, username: str, role: str = "health_visitor") -> str:
        self._create_user(self.db, username, username, role, "Devon MASH", None, exist_ok=True)
        return str(self._enrol_code(self.db, username))

    def revoke(self, device_id: str) -> None:
        self._revoke(self.db, device_id)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.db.dispose()


def pull_everything(base_url: str, code: str) -> dict[str, Change]:
    """Every record the hub holds that the enrolled user may see (enrol a hub_staff user to see all), by record id."""
    from protocol import MAX_PULL_LIMIT, SyncRequest
    from sync import HubClient

    client = HubClient(base_url)
    try:
        token = client.enrol(code, "checker").access_token
        found: dict[str, Change] = {}
        cursor = 0
        while True:
            page = client.sync(SyncRequest(cursor=cursor, pull_limit=MAX_PULL_LIMIT), token)
            for c in page.changes:
                found[str(c.record_id)] = c
            cursor = page.cursor
            if not page.more:
                return found
    finally:
        client.close()
