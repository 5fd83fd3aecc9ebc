"""Run the field app in web mode as a subprocess, for end-to-end tests.

``WebApp(data_dir, hub_url=...)`` picks a free 127.0.0.1 port, starts ``python -m fieldapp --web``, waits until the
HTTP server answers, and stops the process by pid (SIGTERM, then SIGKILL: a Flet web server that served several
sessions may ignore SIGTERM). Use it as a context manager. The app's output goes to ``<log_dir>/fieldapp.log``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]


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
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.hub_url:
            cmd += ["--hub-url", self.hub_url]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"fieldapp-{self.port}.log", "wb")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"field app exited with {self.proc.returncode}; see {self.log_dir}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"field app did not answer on {self.url} within {self.startup_timeout_s}s")

    def stop(self) -> None:
        if self.proc is not None:
            stop_pid(self.proc)
            self.proc = None

    def __enter__(self) -> WebApp:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
