"""The sync screen against the real hub in-process: a refused change shows the hub's reasons and can be fixed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp._config import AppConfig
from fieldapp._services import Services
from fieldapp.state.conflicts import ConflictsState
from fieldapp.state.sync_screen import SyncScreenState, human_bytes
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
