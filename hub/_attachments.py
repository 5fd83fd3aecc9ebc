"""Attachments (photos, body maps): chunked, resumable, content-addressed by SHA-256, size-limited, access-checked.

Upload: ``PUT /v1/attachments/{sha256}/chunks/{index}?size=N&case_id=UUID`` with the raw chunk as body. Every chunk
is ``ATTACHMENT_CHUNK_BYTES`` long except the last. The first chunk creates the attachment (size and case fixed
then); ``GET /v1/attachments/{sha256}`` lists the chunks the hub holds, so an interrupted upload resumes with the
missing ones only. When the last missing chunk arrives the hub hashes the whole and keeps it only if it matches.
Who may use an attachment: its uploader, and whoever may use its case (hub staff; the case's caseworkers; GPs of a
practice that an information request of that case is addressed to).
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from hub import _access, _audit
from hub._auth import Principal
from hub._db import Database
from hub._deps import Who
from hub._errors import ApiError
from hub._lanes import Lanes
from hub._settings import Settings
from hub._tables import attachment_chunks, attachments, records
from sync.protocol import ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENT_BYTES, AttachmentStatus, ErrorCode, RecordType, Role

Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the whole content, lower-case hex")]


def _chunks(size: int) -> int:
    return max(1, -(-size // ATTACHMENT_CHUNK_BYTES))


def _may_use_case(conn: Connection, who: Principal, case_id: str | None) -> bool:
    if who.is_staff:
        return True
    if case_id is None:
        return False
    if who.role == Role.GP:
        row = conn.execute(
            sa.select(records.c.record_id)
            .where(
                records.c.case_id == case_id,
                records.c.record_type == RecordType.INFO_REQUEST.value,
                records.c.practice_ods == who.ods_code,
            )
            .limit(1)
        ).first()
        return row is not None
    return _access.has_case(conn, who, case_id)


def _may_read(conn: Connection, who: Principal, row: Any) -> bool:
    return bool(row.created_by == who.user_id or _may_use_case(conn, who, row.case_id))


def _status(conn: Connection, sha: str, row: Any) -> AttachmentStatus:
    held = conn.execute(
        sa.select(attachment_chunks.c.idx).where(attachment_chunks.c.sha256 == sha).order_by(attachment_chunks.c.idx)
    ).scalars()
    return AttachmentStatus(sha256=sha, size=row.size, chunks_received=list(held), complete=bool(row.complete))


def status(db: Database, who: Principal, sha: str) -> AttachmentStatus:
    with db.read() as conn:
        row = conn.execute(sa.select(attachments).where(attachments.c.sha256 == sha)).one_or_none()
        if row is None:
            return AttachmentStatus(sha256=sha)
        if not _may_read(conn, who, row):
            raise ApiError(404, ErrorCode.NOT_FOUND, "no such attachment")
        return _status(conn, sha, row)


def put_chunk(
    db: Database,
    settings: Settings,
    who: Principal,
    sha: str,
    index: int,
    size: int | None,
    case_id: str | None,
    data: bytes,
) -> AttachmentStatus:
    now = settings.clock()

    def work(conn: Connection) -> AttachmentStatus:
        row = conn.execute(sa.select(attachments).where(attachments.c.sha256 == sha).with_for_update()).one_or_none()
        if row is None:
            if size is None:
                raise ApiError(422, ErrorCode.BAD_REQUEST, "the first chunk must give ?size= (total bytes)")
            if not _may_use_case(conn, who, case_id) and not (
                who.role in _access.CASEWORKERS and case_id is not None and _access.case_unclaimed(conn, case_id)
            ):
                raise ApiError(403, ErrorCode.FORBIDDEN, "you may not add attachments to that case")
            conn.execute(
                sa.insert(attachments).values(
                    sha256=sha, size=size, case_id=case_id, created_by=who.user_id, complete=False, created_at=now
                )
            )
            row = conn.execute(sa.select(attachments).where(attachments.c.sha256 == sha)).one()
        elif not _may_read(conn, who, row):
            raise ApiError(403, ErrorCode.FORBIDDEN, "you may not add to that attachment")
        elif size is not None and size != row.size:
            raise ApiError(422, ErrorCode.BAD_REQUEST, f"size {size} differs from the size given first ({row.size})")
        if row.complete:
            return _status(conn, sha, row)
        total = _chunks(row.size)
        if index >= total:
            raise ApiError(422, ErrorCode.BAD_REQUEST, f"chunk index {index} past the last chunk ({total - 1})")
        expected = min(ATTACHMENT_CHUNK_BYTES, row.size - index * ATTACHMENT_CHUNK_BYTES)
        if len(data) != expected:
            raise ApiError(422, ErrorCode.BAD_REQUEST, f"chunk {index} must be {expected} bytes, got {len(data)}")
        have = conn.execute(
            sa.select(attachment_chunks.c.idx).where(
                attachment_chunks.c.sha256 == sha, attachment_chunks.c.idx == index
            )
        ).first()
        if have is None:
            conn.execute(sa.insert(attachment_chunks).values(sha256=sha, idx=index, data=data))
        held = conn.execute(
            sa.select(sa.func.count()).select_from(attachment_chunks).where(attachment_chunks.c.sha256 == sha)
        ).scalar_one()
        if held == total:
            if _digest(conn, sha) != sha:
                # Keep nothing that does not match its name: the client starts again.
                conn.execute(sa.delete(attachment_chunks).where(attachment_chunks.c.sha256 == sha))
                conn.execute(sa.delete(attachments).where(attachments.c.sha256 == sha))
                _audit.record(
                    conn,
                    at=now,
                    actor=who.username,
                    device_id=who.device_id,
                    action="attachment.put",
                    target=sha,
                    outcome="hash_mismatch",
                )
                return AttachmentStatus(sha256=sha)
            conn.execute(sa.update(attachments).where(attachments.c.sha256 == sha).values(complete=True))
            _audit.record(
                conn,
                at=now,
                actor=who.username,
                device_id=who.device_id,
                action="attachment.put",
                target=sha,
                outcome="complete",
            )
        row = conn.execute(sa.select(attachments).where(attachments.c.sha256 == sha)).one()
        return _status(conn, sha, row)

    return db.retrying(work)


def _digest(conn: Connection, sha: str) -> str:
    hasher = hashlib.sha256()
    for data in conn.execute(
        sa.select(attachment_chunks.c.data).where(attachment_chunks.c.sha256 == sha).order_by(attachment_chunks.c.idx)
    ).scalars():
        hasher.update(data)
    return hasher.hexdigest()


def content(db: Database, settings: Settings, who: Principal, sha: str) -> bytes:
    with db.read() as conn:
        row = conn.execute(sa.select(attachments).where(attachments.c.sha256 == sha)).one_or_none()
        if row is None or not row.complete or not _may_read(conn, who, row):
            raise ApiError(404, ErrorCode.NOT_FOUND, "no such attachment")
        parts = conn.execute(
            sa.select(attachment_chunks.c.data)
            .where(attachment_chunks.c.sha256 == sha)
            .order_by(attachment_chunks.c.idx)
        ).scalars()
        data = b"".join(parts)
    with db.write() as conn:
        _audit.record(
            conn,
            at=settings.clock(),
            actor=who.username,
            device_id=who.device_id,
            action="attachment.get",
            target=sha,
            outcome="ok",
        )
    return data


def add_routes(app: FastAPI, route: Callable[..., Callable[[Any], Any]]) -> None:
    def db_of(request: Request) -> tuple[Database, Settings, Lanes]:
        return request.app.state.db, request.app.state.settings, request.app.state.lanes

    @route("GET", "/attachments/{sha256}", AttachmentStatus)
    async def get_status(request: Request, sha256: Sha, who: Who) -> Response:
        db, _settings, lanes = db_of(request)
        found = await lanes.read(lambda: status(db, who, sha256))
        return Response(found.model_dump_json(), media_type="application/json")

    @route(
        "PUT",
        "/attachments/{sha256}/chunks/{index}",
        AttachmentStatus,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def put(
        request: Request,
        sha256: Sha,
        index: Annotated[int, Path(ge=0, le=MAX_ATTACHMENT_BYTES // ATTACHMENT_CHUNK_BYTES)],
        who: Who,
        size: Annotated[int | None, Query(ge=1, le=MAX_ATTACHMENT_BYTES)] = None,
        case_id: Annotated[uuid.UUID | None, Query()] = None,
    ) -> Response:
        db, settings, lanes = db_of(request)
        data = await request.body()
        if len(data) > ATTACHMENT_CHUNK_BYTES:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"a chunk is at most {ATTACHMENT_CHUNK_BYTES} bytes")
        case = None if case_id is None else str(case_id)
        result = await lanes.write(lambda: put_chunk(db, settings, who, sha256, index, size, case, data))
        return Response(result.model_dump_json(), media_type="application/json")

    @route(
        "GET",
        "/attachments/{sha256}/content",
        None,
        response_class=Response,
        openapi_extra={"responses": {"200": {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}}},
    )
    async def get_content(request: Request, sha256: Sha, who: Who) -> Response:
        db, settings, lanes = db_of(request)
        data = await lanes.read(lambda: content(db, settings, who, sha256))
        return Response(data, media_type="application/octet-stream")
