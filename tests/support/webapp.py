"""Run the field app in web mode as a subprocess, for end-to-end tests.

``WebApp(data_dir, hub_url=...)`` picks a free 127.0.0.1 port, starts ``python -m fieldapp --web``, reads the link
with the launch secret that the app prints (as a user would), waits until the app answers that link, and stops the
process by pid (SIGTERM, then SIGKILL: a Flet web server that served several sessions may ignore SIGTERM). Use it as
a context manager. The app's output goes to ``<log_dir>/fieldapp-<port>.log``.

``launch_link(url, path)`` is how ``AppPage`` opens the app: the address of a running ``WebApp`` with its secret.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+)")
_TOKENS: dict[str, str] = {}  # base URL of a running app -> its launch secret


def launch_link(url: str, path: str = "/") -> str:
    """``url`` + ``path`` with the launch secret of the app serving ``url`` (unchanged for any other address)."""
    token = _TOKENS.get(url)
    if token is None:
        return url + path
    return f"{url}{path}{'&' if '?' in path else '?'}token={token}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_pid(proc: subprocess.Popen[bytes], grace_s: float = 3.0) -> None:
    """Stop one process we started: SIGTERM, wait, then SIGKILL. Never by name."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class WebApp:
    def __init__(
        self,
        data_dir: Path,
        hub_url: str | None = None,
        *,
        idle_s: float | None = None,
        log_dir: Path | None = None,
        startup_timeout_s: float = 60.0,
    ) -> None:
        self.data_dir = data_dir
        self.hub_url = hub_url
        self.idle_s = idle_s
        self.log_dir = log_dir or data_dir.parent
        self.startup_timeout_s = startup_timeout_s
        self.port = 0
        self.token = ""
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The app's address, without the secret (what a tab typed by hand, or another program, would open)."""
        return f"http://127.0.0.1:{self.port}"

    def link(self, path: str = "/") -> str:
        """The address with the launch secret, as the app printed it."""
        return f"{self.url}{path}?token={self.token}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> WebApp:
        self.port = free_port()
        env = dict(os.environ)
        env["MASH_FIELDAPP_TEST_FAST_KDF"] = "1"
        env["FLET_WEB_NO_CDN"] = "1"
        env.pop("DISPLAY", None)
        if self.idle_s is not None:
            env["MASH_FIELDAPP_TEST_IDLE_S"] = str(self.idle_s)
        cmd = [
            sys.executable,
            "-m",
            "fieldapp",
            "--web",
            "--no-browser",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.hub_url:
            cmd += ["--hub-url", self.hub_url]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_dir / f"fieldapp-{self.port}.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()
        _TOKENS[self.url] = self.token
        return self

    def _wait_ready(self) -> None:
        """Wait for the printed link, then until the app answers it (a redirect that sets its cookie)."""
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"field app exited with {self.proc.returncode}; see {self.log_dir}")
            if not self.token:
                found = LINK.search(self.log_path.read_text(errors="replace"))
                if found and int(found.group(1)) == self.port:
                    self.token = found.group(2)
            if self.token and self._answers():
                return
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"field app did not answer on {self.url} within {self.startup_timeout_s}s")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", f"/?token={self.token}")
            return conn.getresponse().status == 303
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        _TOKENS.pop(self.url, None)
        if self.proc is not None:
            stop_pid(self.proc)
            self.proc = None

    def __enter__(self) -> WebApp:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
