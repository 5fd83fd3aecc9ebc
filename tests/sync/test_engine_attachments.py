"""Attachments: chunked upload to the real hub (in-process), resumable without resending held chunks, hash-checked."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from protocol import ATTACHMENT_CHUNK_BYTES
from sync import EngineSettings, HubClient, HubUnreachable, LocalRecord, Repository, SyncEngine, Vault, enrol
from sync._attachments import download, upload_pending
from tests.support.synchelp import InProcessHub, SyncASGITransport, make_vault, new_case


class CountingTransport(httpx.BaseTransport):
    """Counts chunk uploads; can fail the n-th one (a dropped connection mid-upload)."""

    def __init__(self, inner: httpx.BaseTransport, fail_at: int | None = None) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.chunks: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            if self.fail_at is not None and len(self.chunks) == self.fail_at:
                self.fail_at = None
                raise httpx.ConnectError("dropped", request=request)
            self.chunks.append(request.url.path.rsplit("/", 1)[-1])
        return self.inner.handle_request(request)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


def _device_with_a_case(hub: InProcessHub, tmp_path: Path) -> tuple[Vault, Repository, HubClient, LocalRecord]:
    """An enrolled device (in-process hub) holding one new case."""
    vault = make_vault(tmp_path / "v")
    repo = Repository(vault)
    client = HubClient("http://127.0.0.1", http=hub.http())
    enrol(vault, client, hub.enrol_code("hv1"), "dev")
    case = repo.save_record("case", new_case())
    return vault, repo, client, case


def _name_in_a_note(repo: Repository, case_id: UUID, sha: str) -> None:
    """A saved record of the case names the attachment (as a submitted form's photo answer would)."""
    repo.save_record("note", {"text": f"Photograph {sha} taken with consent."}, case_id=case_id)


def test_a_photo_only_a_draft_holds_stays_on_the_device(hub: InProcessHub, tmp_path: Path) -> None:
    vault, repo, client, case = _device_with_a_case(hub, tmp_path)
    sha = repo.put_attachment(b"injury photo" * 500, "image/png", record_id=case.id)
    repo.save_draft("hv_concern", {"answers": {"photo": {"sha256": sha}}}, case_id=case.id)
    engine = SyncEngine(vault, client)
    assert engine.sync_once().last_error is None
    with vault.read() as conn:
        assert conn.execute("SELECT uploaded, chunks_sent FROM attachments").fetchone()[:] == (0, "[]")
    assert repo.discard_attachment(sha) is False  # the draft still names it
    _name_in_a_note(repo, case.id, sha)  # the form is submitted
    assert engine.sync_once().last_error is None
    with vault.read() as conn:
        assert conn.execute("SELECT uploaded FROM attachments").fetchone()[0] == 1
    assert repo.discard_attachment(sha) is False  # uploaded: the hub has it, the vault keeps it


def test_discarding_a_removed_photo_deletes_it_before_it_is_sent(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v")
    repo = Repository(vault)
    case = repo.save_record("case", new_case())
    sha = repo.put_attachment(b"a photo replaced before saving", "image/png", record_id=case.id)
    assert repo.discard_attachment("not-a-sha") is False
    assert repo.discard_attachment(sha) is True
    assert repo.get_attachment(sha) is None
    assert [e.action for e in repo.audit_log()][-1] == "attach.discard"


def test_upload_resumes_without_resending_chunks_and_verifies(hub: InProcessHub, tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v")
    repo = Repository(vault)
    counting = CountingTransport(SyncASGITransport(hub.app), fail_at=2)
    http = httpx.Client(transport=counting, base_url="http://127.0.0.1")
    client = HubClient("http://127.0.0.1", http=http)
    creds = enrol(vault, client, hub.enrol_code("hv1"), "dev")
    case = repo.save_record("case", new_case())
    data = os.urandom(ATTACHMENT_CHUNK_BYTES * 3 + 1234)  # four chunks
    sha = repo.put_attachment(data, "image/jpeg", record_id=case.id)
    assert sha == hashlib.sha256(data).hexdigest()
    _name_in_a_note(repo, case.id, sha)
    SyncEngine(vault, client, settings=EngineSettings(attachments=False)).sync_once()  # the case goes first
    counting.chunks.clear()
    counting.fail_at = 2
    with pytest.raises(HubUnreachable):
        upload_pending(vault, client, creds.access_token)
    assert counting.chunks == ["0", "1"]
    with vault.read() as conn:
        assert conn.execute("SELECT uploaded FROM attachments WHERE sha256 = ?", (sha,)).fetchone()[0] == 0
    assert upload_pending(vault, client, creds.access_token) == 1
    assert counting.chunks == ["0", "1", "2", "3"]  # 0 and 1 were never sent again
    assert upload_pending(vault, client, creds.access_token) == 0
    assert download(client, creds.access_token, sha) == data
    http.close()


def test_sync_run_uploads_attachments(hub: InProcessHub, tmp_path: Path) -> None:
    vault, repo, client, case = _device_with_a_case(hub, tmp_path)
    sha = repo.put_attachment(b"body map" * 1000, "image/png", record_id=case.id)
    _name_in_a_note(repo, case.id, sha)
    assert SyncEngine(vault, client).sync_once().last_error is None
    with vault.read() as conn:
        assert conn.execute("SELECT uploaded FROM attachments WHERE sha256 = ?", (sha,)).fetchone()[0] == 1
