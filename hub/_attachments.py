"""Attachments (photos, body maps): chunked, resumable, content-addressed by SHA-256, size-limited, access-checked.

Upload: ``PUT /v1/attachments/{sha256}/chunks/{index}?size=N&case_id=UUID`` with the raw chunk as body. Every chunk
is ``ATTACHMENT_CHUNK_BYTES`` long except the last. The content is shared by hash, but ownership and access belong
to each case that names it: the first chunk for a (sha256, case) makes that case's link (size fixed then), and
``GET /v1/attachments/{sha256}?case_id=`` lists the chunks that case's upload holds, so an interrupted upload
resumes with the missing ones only. When the last missing chunk arrives the hub hashes the whole upload and keeps it
only if it matches; content already held from another case is not stored twice. So the same photograph can be
attached in two caseworkers' cases, and nobody can block a hash in advance (a bad upload spoils only its own case's
link). Who may use an attachment: whoever may use a case that holds a complete link to it (hub staff; the case's
caseworkers; GPs of a practice that an information request of that case is addressed to). Anyone else hears what
they would hear for a hash the hub has never seen.
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
from hub._tables import attachment_chunks, attachment_links, attachment_parts, records
from protocol import ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENT_BYTES, AttachmentStatus, ErrorCode, RecordType, Role

Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the whole content, lower-case hex")]


def _chunks(size: int) -> int:
    return max(1, -(-size // ATTACHMENT_CHUNK_BYTES))


def _may_use_case(conn: Connection, who: Principal, case_id: str) -> bool:
    if who.is_staff:
        return True
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


def _links(conn: Connection, sha: str) -> list[Any]:
    return list(conn.execute(sa.select(attachment_links).where(attachment_links.c.sha256 == sha)))


def _readable(conn: Connection, who: Principal, sha: str) -> Any | None:
    """A complete link to ``sha`` in a case ``who`` may use, if any: the one thing that grants the content."""
    return next((ln for ln in _links(conn, sha) if ln.complete and _may_use_case(conn, who, ln.case_id)), None)


def _parts_of(sha: str, case_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(attachment_parts.c.sha256 == sha, attachment_parts.c.case_id == case_id)


def _status(conn: Connection, link: Any) -> AttachmentStatus:
    if link.complete:
        held = list(range(_chunks(link.size)))
    else:
        held = list(
            conn.execute(
                sa.select(attachment_parts.c.idx)
                .where(_parts_of(link.sha256, link.case_id))
                .order_by(attachment_parts.c.idx)
            ).scalars()
        )
    return AttachmentStatus(sha256=link.sha256, size=link.size, chunks_received=held, complete=bool(link.complete))


def _own_upload(conn: Connection, who: Principal, sha: str) -> Any | None:
    """The caller's upload in progress for ``sha`` (for chunks and status that do not name their case)."""
    return next((ln for ln in _links(conn, sha) if not ln.complete and ln.created_by == who.user_id), None)


def status(db: Database, who: Principal, sha: str, case_id: str | None = None) -> AttachmentStatus:
    """What the hub holds of ``sha`` for ``case_id`` (or for any case of the caller's); an empty status otherwise,
    the same as for a hash the hub has never seen."""
    with db.read() as conn:
        if case_id is not None:
            link = conn.execute(
                sa.select(attachment_links).where(
                    attachment_links.c.sha256 == sha, attachment_links.c.case_id == case_id
                )
            ).one_or_none()
            if link is not None and (link.created_by == who.user_id or _may_use_case(conn, who, case_id)):
                return _status(conn, link)
            return AttachmentStatus(sha256=sha)
        link = _readable(conn, who, sha) or _own_upload(conn, who, sha)
        return AttachmentStatus(sha256=sha) if link is None else _status(conn, link)


def _may_start(conn: Connection, who: Principal, case_id: str) -> bool:
    if _may_use_case(conn, who, case_id):
        return True
    return who.role in _access.CASEWORKERS and _access.case_unclaimed(conn, case_id)


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
        if case_id is None:
            link = _own_upload(conn, who, sha)
            if link is None:
                raise ApiError(422, ErrorCode.BAD_REQUEST, "the first chunk must give ?case_id= and ?size=")
        else:
            link = conn.execute(
                sa.select(attachment_links)
                .where(attachment_links.c.sha256 == sha, attachment_links.c.case_id == case_id)
                .with_for_update()
            ).one_or_none()
        if link is None:
            assert case_id is not None
            if size is None:
                raise ApiError(422, ErrorCode.BAD_REQUEST, "the first chunk must give ?size= (total bytes)")
            if not _may_start(conn, who, case_id):
                raise ApiError(403, ErrorCode.FORBIDDEN, "you may not add attachments to that case")
            conn.execute(
                sa.insert(attachment_links).values(
                    sha256=sha, case_id=case_id, size=size, created_by=who.user_id, complete=False, created_at=now
                )
            )
            link = conn.execute(
                sa.select(attachment_links).where(
                    attachment_links.c.sha256 == sha, attachment_links.c.case_id == case_id
                )
            ).one()
        elif link.created_by != who.user_id and not _may_use_case(conn, who, link.case_id):
            raise ApiError(403, ErrorCode.FORBIDDEN, "you may not add attachments to that case")
        elif size is not None and size != link.size:
            raise ApiError(422, ErrorCode.BAD_REQUEST, f"size {size} differs from the size given first ({link.size})")
        if link.complete:
            return _status(conn, link)
        total = _chunks(link.size)
        if index >= total:
            raise ApiError(422, ErrorCode.BAD_REQUEST, f"chunk index {index} past the last chunk ({total - 1})")
        expected = min(ATTACHMENT_CHUNK_BYTES, link.size - index * ATTACHMENT_CHUNK_BYTES)
        if len(data) != expected:
            raise ApiError(422, ErrorCode.BAD_REQUEST, f"chunk {index} must be {expected} bytes, got {len(data)}")
        mine = _parts_of(sha, link.case_id)
        have = conn.execute(sa.select(attachment_parts.c.idx).where(mine, attachment_parts.c.idx == index)).first()
        if have is None:
            conn.execute(sa.insert(attachment_parts).values(sha256=sha, case_id=link.case_id, idx=index, data=data))
        held = conn.execute(sa.select(sa.func.count()).select_from(attachment_parts).where(mine)).scalar_one()
        if held == total:
            return _finish(conn, who, link, now)
        return _status(conn, link)

    return db.retrying(work)


def _finish(conn: Connection, who: Principal, link: Any, now: float) -> AttachmentStatus:
    """Every chunk of one case's upload is in: keep it only if it is what its name says."""
    sha, case_id = link.sha256, link.case_id
    mine = _parts_of(sha, case_id)
    hasher = hashlib.sha256()
    for data in conn.execute(sa.select(attachment_parts.c.data).where(mine).order_by(attachment_parts.c.idx)).scalars():
        hasher.update(data)
    ok = hasher.hexdigest() == sha
    if ok:
        stored = conn.execute(sa.select(attachment_chunks.c.idx).where(attachment_chunks.c.sha256 == sha)).first()
        if stored is None:  # the first case to complete this content: its chunks become the shared copy
            conn.execute(
                sa.insert(attachment_chunks).from_select(
                    ["sha256", "idx", "data"],
                    sa.select(attachment_parts.c.sha256, attachment_parts.c.idx, attachment_parts.c.data).where(mine),
                )
            )
    conn.execute(sa.delete(attachment_parts).where(mine))
    where = sa.and_(attachment_links.c.sha256 == sha, attachment_links.c.case_id == case_id)
    if ok:
        conn.execute(sa.update(attachment_links).where(where).values(complete=True))
    else:  # keep nothing that does not match its name: the client starts again
        conn.execute(sa.delete(attachment_links).where(where))
    _audit.record(
        conn,
        at=now,
        actor=who.username,
        device_id=who.device_id,
        action="attachment.put",
        target=f"{sha} case {case_id}",
        outcome="complete" if ok else "hash_mismatch",
    )
    if not ok:
        return AttachmentStatus(sha256=sha)
    return _status(conn, conn.execute(sa.select(attachment_links).where(where)).one())


def content(db: Database, settings: Settings, who: Principal, sha: str) -> bytes:
    with db.read() as conn:
        if _readable(conn, who, sha) is None:
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
    async def get_status(
        request: Request, sha256: Sha, who: Who, case_id: Annotated[uuid.UUID | None, Query()] = None
    ) -> Response:
        db, _settings, lanes = db_of(request)
        case = None if case_id is None else str(case_id)
        found = await lanes.read(lambda: status(db, who, sha256, case))
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
