"""The desktop window's client is not shipped: when it is not on this computer the app says so plainly and opens in
the browser instead, behind the launch secret, and never downloads anything or crashes (issue 10)."""

from __future__ import annotations

import io
import sys
import urllib.error
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import flet as ft
import pytest

from fieldapp import _app, _desktop, _web
from fieldapp._config import AppConfig
from fieldapp._desktop import NO_SCREEN, NOT_DOWNLOADED, NOT_INSTALLED, OTHER_VERSION, desktop_problem

SCREEN = {"DISPLAY": ":0"}


def fake_flet_desktop(tmp_path: Path, version: str | None = None) -> ModuleType:
    """A stand-in for flet-desktop 1.0.5: its client cache folder lives under ``tmp_path``."""
    module = ModuleType("flet_desktop")
    module.version = SimpleNamespace(version=version or ft.version.flet_version)  # type: ignore[attr-defined]
    module.get_package_bin_dir = lambda: str(tmp_path / "app")  # type: ignore[attr-defined]
    module.get_artifact_filename = lambda: "flet-linux-debian12-amd64.tar.gz"  # type: ignore[attr-defined]
    storage = tmp_path / "home" / ".flet" / "client" / f"flet-desktop-full-{module.version.version}"
    setattr(module, "__get_client_storage_dir", lambda fingerprint=None: storage)
    return module


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = fake_flet_desktop(tmp_path)
    monkeypatch.setattr(_desktop, "_flet_desktop", lambda: module)
    return module


def test_no_screen_means_no_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_desktop.platform, "system", lambda: "Linux")
    assert desktop_problem({}) == NO_SCREEN
    assert desktop_problem({**SCREEN, "FLET_FORCE_WEB_SERVER": "true"}) == NO_SCREEN


def test_flet_desktop_missing_is_said_plainly_without_installing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "flet_desktop", None)  # importing it fails, as on this machine
    assert desktop_problem(SCREEN) == NOT_INSTALLED


def test_another_version_of_flet_desktop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_flet_desktop(tmp_path, version="0.28.3")
    monkeypatch.setattr(_desktop, "_flet_desktop", lambda: module)
    assert desktop_problem(SCREEN) == OTHER_VERSION


def test_a_client_never_downloaded(installed: ModuleType) -> None:
    assert desktop_problem(SCREEN) == NOT_DOWNLOADED


def test_a_client_in_the_cache_folder(installed: ModuleType) -> None:
    getattr(installed, "__get_client_storage_dir")().mkdir(parents=True)
    assert desktop_problem(SCREEN) == ""


def test_a_client_bundled_with_the_package(installed: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / installed.get_artifact_filename()).write_bytes(b"archive")
    assert desktop_problem(SCREEN) == ""


def test_a_client_given_by_flet_view_path(installed: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "view").mkdir()
    (tmp_path / "view" / "flet").write_bytes(b"\x7fELF")
    assert desktop_problem({**SCREEN, "FLET_VIEW_PATH": str(tmp_path / "view")}) == ""


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, main: Any, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_a_missing_client_opens_the_app_in_the_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = Recorder()
    monkeypatch.setattr(_app, "desktop_problem", lambda: NOT_DOWNLOADED)
    monkeypatch.setattr(_app, "has_screen", lambda: True)
    monkeypatch.setattr(_app, "serve_web", served)
    monkeypatch.setattr(_app.ft, "run", lambda *a, **k: pytest.fail("the desktop client must not be started"))
    out = io.StringIO()
    _app.run(AppConfig(data_dir=tmp_path / "data", fast_kdf=True), out=out)
    assert out.getvalue().startswith(NOT_DOWNLOADED)
    assert "opens in your web browser instead" in out.getvalue()
    assert served.calls[0]["open_browser"] is True
    assert served.calls[0]["port"] == 0  # any free port on 127.0.0.1, never Flet's 8000


def test_a_client_that_fails_to_download_falls_back_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = Recorder()

    def offline(*args: Any, **kwargs: Any) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(_app, "desktop_problem", lambda: "")
    monkeypatch.setattr(_app, "has_screen", lambda: True)
    monkeypatch.setattr(_app, "serve_web", served)
    monkeypatch.setattr(_app.ft, "run", offline)
    out = io.StringIO()
    _app.run(AppConfig(data_dir=tmp_path / "data", fast_kdf=True), out=out)
    assert "could not be opened (URLError)" in out.getvalue()
    assert "name resolution" not in out.getvalue()  # plain words, not the raw error
    assert len(served.calls) == 1


def test_no_browser_to_hand_the_link_to_is_said_plainly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(link: str) -> bool:
        raise OSError("no browser")

    monkeypatch.setattr(_web.uvicorn.Server, "run", lambda self, sockets=None: None)
    out = io.StringIO()
    _web.serve_web(lambda page: None, port=0, assets_dir=tmp_path, open_browser=True, out=out, opener=broken)
    text = out.getvalue()
    assert "http://127.0.0.1:" in text
    assert "?token=" in text
    assert "open the link above yourself" in text


def test_the_browser_is_handed_the_link_with_the_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[str] = []
    monkeypatch.setattr(_web.uvicorn.Server, "run", lambda self, sockets=None: None)
    out = io.StringIO()
    _web.serve_web(lambda page: None, port=0, assets_dir=tmp_path, open_browser=True, out=out, opener=opened.append)
    assert len(opened) == 1
    assert opened[0].startswith("http://127.0.0.1:")
    assert opened[0] in out.getvalue()
    assert "?token=" in opened[0]


def test_a_taken_port_is_said_plainly(tmp_path: Path) -> None:
    taken = _web.bind_loopback(0)
    try:
        port = int(taken.getsockname()[1])
        with pytest.raises(SystemExit) as stopped:
            _web.serve_web(lambda page: None, port=port, assets_dir=tmp_path, open_browser=False, out=io.StringIO())
        assert f"Port {port} on this computer is taken" in str(stopped.value)
    finally:
        taken.close()
