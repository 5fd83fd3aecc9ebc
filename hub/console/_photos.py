"""A referral's photographs: served only to signed-in staff, only if the referral names them, with their declared
content type, ``nosniff`` and a Content-Disposition, and every view audited."""

from __future__ import annotations

import json
import re
from typing import Any, Final

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub import _authorities, _screening
from hub._db import Database
from hub._lanes import Lanes
from hub._signin import CONSOLE_ROLES, Staff
from hub._tables import attachment_chunks, attachment_links, records
from hub.console import _session
from hub.console._web import secure
from protocol import RecordType

router = APIRouter()
_SHA: Final = re.compile(r"^[0-9a-f]{64}$")
_IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/heic", "image/heif"})


def _named(value: Any, sha: str) -> dict[str, Any] | None:
    """The attachment answer with this hash anywhere in the referral's fields."""
    if isinstance(value, dict):
        if value.get("sha256") == sha and isinstance(value.get("media_type"), str):
            return value
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = _named(child, sha)
        if found is not None:
            return found
    return None


def _load(db: Database, staff: Staff, record_id: str, sha: str) -> tuple[dict[str, Any], bytes] | None:
    if staff.role not in CONSOLE_ROLES:  # a commissioner sees counts only
        return None
    with db.read() as conn:
        row = conn.execute(
            sa.select(records.c.fields, records.c.case_id).where(
                records.c.record_id == record_id,
                records.c.record_type == RecordType.REFERRAL.value,
                _authorities.scope(staff.authority),  # another authority's photograph is "not found"
            )
        ).first()
        if row is None:
            return None
        ref = _named(json.loads(row.fields), sha)
        # The photograph as uploaded for the referral's own case: content is shared by hash, access is per case.
        complete = conn.execute(
            sa.select(attachment_links.c.complete).where(
                attachment_links.c.sha256 == sha, attachment_links.c.case_id == row.case_id
            )
        ).scalar()
        if ref is None or not complete:
            return None
        chunks = conn.execute(
            sa.select(attachment_chunks.c.data)
            .where(attachment_chunks.c.sha256 == sha)
            .order_by(attachment_chunks.c.idx)
        ).scalars()
        return ref, b"".join(chunks)


@router.get("/referrals/{record_id}/photos/{sha}")
async def photo(request: Request, record_id: str, sha: str) -> Response:
    session = await _session.load(request)
    if session is None or session.stage != "full":
        return secure(Response("sign in first", status_code=401, media_type="text/plain"))
    if not _SHA.match(sha) or len(record_id) > 36:
        return secure(Response("not found", status_code=404, media_type="text/plain"))
    db: Database = request.app.state.db
    lanes: Lanes = request.app.state.lanes
    staff = session.staff
    found = await lanes.read(lambda: _load(db, staff, record_id, sha))
    if found is None:
        return secure(Response("not found", status_code=404, media_type="text/plain"))
    ref, data = found
    await lanes.write(
        lambda: _screening.audit_view(db, staff, "console.photo", target=record_id, detail={"sha256": sha})
    )
    media = str(ref["media_type"])
    # A declared type we do not show inline is sent as a download, so the browser never renders it as a page.
    inline = media in _IMAGE_TYPES
    response = Response(data, media_type=media if inline else "application/octet-stream")
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{sha[:16]}"'
    return secure(response)
