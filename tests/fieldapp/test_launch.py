"""The app started as a user starts it (a subprocess), where no desktop window can open: it says why in plain words,
serves to the browser on 127.0.0.1 only, and gives the browser the link with the launch secret (issue 10)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldapp._app import FALLBACK
from fieldapp._desktop import NO_SCREEN, NOT_DOWNLOADED, NOT_INSTALLED, OTHER_VERSION
from tests.support.sockets import listening, not_loopback
from tests.support.webapp import LINK, ROOT, stop_pid

pytestmark = pytest.mark.slow


def start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / "app.log"
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "BROWSER", "WAYLAND_DISPLAY")}
    base.update({"MASH_FIELDAPP_TEST_FAST_KDF": "1", "FLET_WEB_NO_CDN": "1"})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fieldapp", "--data-dir", str(tmp_path / "data")],
            cwd=ROOT,
            env={**base, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, log


def wait_listening(proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60.0) -> list[tuple[str, int]]:
    """Until the process listens on some socket (whichever address), or fail with what it printed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        found = listening(proc.pid)
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"the app never listened: {log.read_text(errors='replace')[-2000:]}")


def wait_link(proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 30.0) -> tuple[int, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = LINK.search(log.read_text(errors="replace"))
        if found:
            return int(found.group(1)), found.group(2)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"the app printed no link: {log.read_text(errors='replace')[-2000:]}")


def status(port: int, target: str) -> int:
    deadline = time.monotonic() + 30
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", target)
            return conn.getresponse().status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            conn.close()


def test_with_no_screen_it_serves_on_loopback_only_behind_the_secret(tmp_path: Path) -> None:
    # Flet's own overrides must not move it off loopback either.
    proc, log = start(tmp_path, {"FLET_SERVER_IP": "0.0.0.0", "FLET_SERVER_PORT": "0"})
    try:
        sockets = wait_listening(proc, log)
        assert not_loopback(proc.pid) == [], f"listens beyond this computer: {sockets}"
        port, token = wait_link(proc, log)
        assert (("127.0.0.1", port)) in listening(proc.pid)
        assert not_loopback(proc.pid) == []
        said = log.read_text()
        assert NO_SCREEN in said
        assert FALLBACK in said
        assert status(port, "/") == 403
        assert status(port, "/caseload") == 403
        assert status(port, f"/?token={token}") == 303
        assert "Traceback" not in log.read_text()
    finally:
        stop_pid(proc)


def test_a_missing_desktop_client_hands_the_link_to_the_browser(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    home = tmp_path / "home"  # no ~/.flet/client here: nothing was ever downloaded
    home.mkdir()
    env = {"DISPLAY": ":99", "HOME": str(home), "BROWSER": f"{sys.executable} {recorder} %s"}
    proc, log = start(tmp_path, env)
    try:
        wait_listening(proc, log)
        assert not_loopback(proc.pid) == []
        port, token = wait_link(proc, log)
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert opened.read_text() == f"http://127.0.0.1:{port}/?token={token}"
        said = log.read_text()
        assert any(why in said for why in (NOT_INSTALLED, NOT_DOWNLOADED, OTHER_VERSION)), said
        assert FALLBACK in said
        assert "URLError" not in said
        assert "Traceback" not in said
        assert status(port, f"/?token={token}") == 303
    finally:
        stop_pid(proc)
