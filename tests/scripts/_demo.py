"""The demo script as a newcomer runs it, for tests: a subprocess whose output is read line by line as it comes.

``DemoRun(args)`` starts ``python scripts/run_demo.py ARGS`` in its own session (so the hub and the app it starts
share a process group the test owns); ``expect(pattern)`` waits for a line; ``stop()`` sends SIGTERM to the demo
(it stops what it started, as on Ctrl-C) and SIGKILLs the group after a deadline. ``Stranger`` is another program on
a port: a tiny HTTP server that answers like a hub with an instance id of its own, and remembers every request.
``wait_http(url)`` waits until an app the demo started answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.support.webapp import _TOKENS, LINK

ROOT = Path(__file__).resolve().parents[2]
CODE_LINE = re.compile(r"Enrolment code for (\w+)'s device: (\S+)")
#: The line the demo prints before it starts a device's app in web mode; the app then prints its link (LINK).
APP_LINE = r"The app serves 127\.0\.0\.1:(\d+): open it from the link it prints below"


def remember_link(link: str) -> str:
    """The base address of the app behind a printed ``link``, its secret noted for ``AppPage.open``."""
    found = LINK.search(link)
    assert found is not None, link
    base = f"http://127.0.0.1:{found.group(1)}"
    _TOKENS[base] = found.group(2)
    return base


class DemoRun:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        # No screen (FLET_FORCE_WEB_SERVER, no DISPLAY): the apps open no browser, they only print their links.
        headless = {"FLET_WEB_NO_CDN": "1", "FLET_FORCE_WEB_SERVER": "1"}
        env = {**os.environ, "PYTHONPATH": str(ROOT), **headless, **(env or {})}
        env.pop("DISPLAY", None)
        env.pop("MASH_HUB_DB", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_demo.py"), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # the demo, its hub and its app in one group this test can end
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, pattern: str, timeout_s: float = 90.0) -> re.Match[str]:
        """The first line from now on that matches ``pattern``; fails with the whole output if none comes."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {timeout_s} s:\n{self.output}") from None
            if line is None:
                raise AssertionError(f"the demo ended ({self.proc.wait()}) before {pattern!r}:\n{self.output}")
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self, timeout_s: float = 20.0) -> int:
        """End the demo as Ctrl-C would (SIGTERM, which it treats alike); SIGKILL its whole group if it lingers."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything the demo left behind in its group
        self._reader.join(timeout=10)  # the pipe ends once nothing in the group holds it
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.wait(timeout=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Stranger:
    """Another program holding a port: answers ``/healthz`` and ``/v1/instance`` like a hub, but is not ours."""

    def __init__(self, port: int) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                seen.append(f"{self.command} {self.path}")
                body = {"/healthz": {"ok": True}, "/v1/instance": {"instance_id": "someone-else"}}.get(self.path)
                data = json.dumps(body or {"detail": "not here"}).encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer  # the names http.server looks up

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_http(url: str, timeout_s: float = 90.0) -> None:
    """Until something answers HTTP at ``url`` (any status: the app may want a token in the address)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing answered at {url} within {timeout_s} s") from None
        time.sleep(0.2)  # polling interval while the app starts
