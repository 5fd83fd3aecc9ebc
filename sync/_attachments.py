"""Attachment upload: chunked, resumable, verified by SHA-256.

The blob lives encrypted in the vault (``attachments`` table). Before sending, we ask the hub which chunks it holds
and send only the others, so a dropped upload resumes where it stopped and a finished chunk is never sent twice.
The hub verifies the whole blob's SHA-256 when the last chunk lands; we verify ours before the first.

Only attachments that a saved record of their case names are sent: a photograph added to a form that is still a
draft stays on the device until the form is submitted, and one in an abandoned draft never leaves it.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from typing import Any, Final, Protocol

from protocol import ATTACHMENT_CHUNK_BYTES
from sync._client import HubClient
from sync._errors_sync import BadAnswer


class _Vault(Protocol):
    def transaction(self) -> AbstractContextManager[Any]: ...


# Not uploaded yet, and named in the body of a record of the attachment's case (``record_id`` is the case or a record
# of it). Drafts live in their own table, so a photo only a draft holds is not named here.
_WAITING: Final = (
    "SELECT a.sha256 FROM attachments a WHERE a.uploaded = 0 AND EXISTS (SELECT 1 FROM records r "
    "WHERE r.case_id = (SELECT o.case_id FROM records o WHERE o.id = a.record_id) AND instr(r.body, a.sha256) > 0)"
)


def chunk_count(size: int) -> int:
    return max(1, -(-size // ATTACHMENT_CHUNK_BYTES))


def upload_pending(vault: _Vault, client: HubClient, token: str) -> int:
    """Upload every attachment the hub does not hold completely yet; returns how many finished."""
    with vault.transaction() as conn:
        waiting = [str(r[0]) for r in conn.execute(_WAITING).fetchall()]
    finished = 0
    for sha in waiting:
        finished += upload_one(vault, client, token, sha)
    return finished


def upload_one(vault: _Vault, client: HubClient, token: str, sha: str) -> bool:
    with vault.transaction() as conn:
        row = conn.execute(
            "SELECT a.data, r.case_id FROM attachments a LEFT JOIN records r ON r.id = a.record_id WHERE a.sha256 = ?",
            (sha,),
        ).fetchone()
    if row is None:
        return False
    data = bytes(row[0])
    case_id = None if row[1] is None else str(row[1])
    if hashlib.sha256(data).hexdigest() != sha:
        raise BadAnswer(f"attachment {sha[:12]} does not match its hash in the vault")  # never send corrupt data
    status = client.attachment_status(sha, token, case_id=case_id)
    held = set(status.chunks_received)
    for index in range(chunk_count(len(data))):
        if status.complete:
            break
        if index in held:
            continue
        chunk = data[index * ATTACHMENT_CHUNK_BYTES : (index + 1) * ATTACHMENT_CHUNK_BYTES]
        status = client.put_chunk(sha, index, chunk, token, size=len(data), case_id=case_id)
        held = set(status.chunks_received) | {index}
        with vault.transaction() as conn:
            conn.execute("UPDATE attachments SET chunks_sent = ? WHERE sha256 = ?", (json.dumps(sorted(held)), sha))
    if not status.complete:
        return False
    with vault.transaction() as conn:
        conn.execute("UPDATE attachments SET uploaded = 1 WHERE sha256 = ?", (sha,))
    return True


def download(client: HubClient, token: str, sha: str) -> bytes:
    """Fetch a complete attachment from the hub and check it against its address."""
    data = client.attachment_content(sha, token)
    if hashlib.sha256(data).hexdigest() != sha:
        raise BadAnswer("the attachment the hub sent does not match its hash")
    return data


__all__ = ["chunk_count", "download", "upload_one", "upload_pending"]
