"""The sync screen against the real hub in-process: a refused change shows the hub's reasons and can be fixed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp._config import AppConfig
from fieldapp._services import Services
from fieldapp.state.conflicts import ConflictsState
from fieldapp.state.sync_screen import SyncScreenState, human_bytes
from sync import Progress, SyncState, SyncStatus
from tests.fieldapp.conftest import PASSPHRASE
from tests.support.synchelp import InProcessHub


@pytest.fixture
def enrolled(tmp_path: Path) -> Iterator[Services]:
    hub = InProcessHub(tmp_path / "hub.sqlite3")
    svc = Services(AppConfig(data_dir=tmp_path / "d", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        assert svc.enrol("http://127.0.0.1", hub.enrol_code("hv1")) == ""
        yield svc
    finally:
        svc.close()
        hub.close()


def test_refused_change_shows_reasons_and_is_fixed(enrolled: Services) -> None:
    assert enrolled.repo is not None
    # Saved past the app's own checks (as an older app version might have): the hub refuses it.
    enrolled.repo.save_record("case", {"child_name": "Amy", "nhs_number": "1234567890"})
    screen = SyncScreenState(enrolled)
    screen.sync_now()
    assert screen.status.rejected == 1
    assert [w.state for w in screen.waiting] == ["rejected"]
    [refused] = screen.rejections
    assert any("nhs_number" in i.path for i in refused.issues)
    assert screen.fix(refused.id, {"nhs_number": "9434765919"}) == ""
    screen.sync_now()
    assert screen.rejections == []
    assert screen.waiting == []
    assert screen.headline == "Synced"
    assert screen.last_success_text.startswith("Last complete sync:")
    assert ConflictsState(enrolled).conflicts == []


def test_bytes_in_words() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(2048) == "2.0 KB"
    assert human_bytes(5 * 1024 * 1024) == "5.0 MB"


class _Still:
    """The services as the screen sees them before any sync: a status and no vault."""

    def __init__(self, status: SyncStatus) -> None:
        self.last_status = status
        self.repo = None

    def replica(self) -> None:
        return None


def _screen(status: SyncStatus) -> SyncScreenState:
    screen = SyncScreenState(_Still(status))  # type: ignore[arg-type]
    screen.load()
    return screen


def test_nothing_to_count_says_nothing() -> None:
    """Never "0 of 0 items": an idle screen shows no numbers, no refusals heading and no conflicts button."""
    screen = _screen(SyncStatus(state=SyncState.OFFLINE))
    assert screen.progress_text == ""
    assert screen.rejections_heading == ""
    assert not screen.has_conflicts


def test_progress_counts_what_there_is() -> None:
    status = SyncStatus(
        state=SyncState.SYNCING, progress=Progress(items_done=2, items_total=5, bytes_sent=2048, bytes_received=0)
    )
    assert _screen(status).progress_text == "2 of 5 items · 2.0 KB sent"
    one = SyncStatus(state=SyncState.SYNCING, progress=Progress(items_done=0, items_total=1))
    assert _screen(one).progress_text == "0 of 1 item"


def test_resolve_conflicts_is_offered_only_for_a_conflict() -> None:
    assert _screen(SyncStatus(state=SyncState.IDLE, conflicts=1)).has_conflicts
    assert not _screen(SyncStatus(state=SyncState.IDLE, pending=2)).has_conflicts


def test_a_refusal_has_its_heading(enrolled: Services) -> None:
    assert enrolled.repo is not None
    enrolled.repo.save_record("case", {"child_name": "Amy", "nhs_number": "1234567890"})
    screen = SyncScreenState(enrolled)
    assert screen.rejections_heading == ""
    screen.sync_now()
    assert screen.rejections_heading == "Refused by the hub"
    assert not screen.has_conflicts
