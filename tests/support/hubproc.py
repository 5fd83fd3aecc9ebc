"""Run the real hub as a subprocess on a free 127.0.0.1 port, for tests and benchmarks.

    with HubProcess() as hub:                       # temporary SQLite file
        code = hub.enrol_code("hv1", "health_visitor")
        httpx.post(hub.base_url + "/v1/enrol", json={"code": code, "device_name": "t"})

    HubProcess(db_url="postgresql+psycopg://app@127.0.0.1:5432/db")  # or a given database
    HubProcess(tls=("cert.pem", "key.pem"))                             # HTTPS; base_url is https://
    HubProcess(db_url, python="/tmp/venv/bin/python")   # the hub as installed in another environment (a wheel)

``start``/``stop``/``restart``; ``stop`` sends SIGTERM and SIGKILLs after a deadline, to the process group the
helper started the hub in (pid = group id; uvicorn's workers are in it), never by name. ``cli(*args)``
runs ``python -m hub --db URL ...`` against the same database and returns its stdout (raises on failure).
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from tests.support.procgroup import signal_group, stop_group

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HubError(RuntimeError):
    """The hub subprocess failed to start, or a CLI command failed."""


class HubProcess:
    def __init__(
        self,
        db_url: str | None = None,
        *,
        port: int | None = None,
        access_ttl: float | None = None,
        lease: float | None = None,
        extra_args: tuple[str, ...] = (),
        start_timeout: float = 30.0,
        tls: tuple[str, str] | None = None,
        tls_trust: str | None = None,
        python: str | None = None,
    ) -> None:
        """``tls``: (certificate file, key file): serve HTTPS; ``base_url`` is then https and the readiness poll
        trusts ``tls_trust`` (the CA that signed the certificate), or else the certificate itself.

        ``python``: the interpreter of another environment that has the hub installed: it then runs outside the
        checkout (no PYTHONPATH, a working directory without our sources), so only the installed hub is found."""
        self._python = python
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db_url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="hubproc-")
            db_url = f"sqlite:///{Path(self._tmp.name) / 'hub.sqlite3'}"
        self.db_url = db_url
        self.port = port or free_port()
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._serve_args = ["--host", "127.0.0.1", "--port", str(self.port), *extra_args]
        self._verify: ssl.SSLContext | bool = True
        if tls:
            self._serve_args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
            self._verify = ssl.create_default_context(cafile=tls_trust or tls[0])
        if access_ttl is not None:
            self._serve_args += ["--access-ttl", str(access_ttl)]
        if lease is not None:
            self._serve_args += ["--lease", str(lease)]
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def _command(self, *args: str) -> tuple[list[str], Path, dict[str, str]]:
        """The hub command line, the working directory and the environment it runs with."""
        if self._python is None:
            return [sys.executable, "-m", "hub", *args], ROOT, {**os.environ, "PYTHONPATH": str(ROOT)}
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        return [self._python, "-m", "hub", *args], Path(self._python).parents[1], env

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        log_dir = Path(self._tmp.name) if self._tmp else Path(tempfile.gettempdir())
        self._log = log_dir / f"hub-{self.port}.log"
        command, cwd, env = self._command("--db", self.db_url, "serve", *self._serve_args)
        with self._log.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group: uvicorn's worker processes go with it
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HubError(f"hub exited with {self.proc.returncode}: {self.log_text()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1.0, verify=self._verify).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # polling interval while waiting for the port, not a fixed wait
        self.stop()
        raise HubError(f"hub did not answer within {self.start_timeout} s: {self.log_text()}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        stop_group(proc, signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL now, workers included (a crash)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def log_text(self) -> str:
        return self.full_log()[-4000:]

    def full_log(self) -> str:
        """Every line the hub process (and its workers) wrote to stdout and stderr since it was first started."""
        return self._log.read_text(errors="replace") if self._log and self._log.exists() else ""

    # -- administration --------------------------------------------------------------------------------------------
    def cli(self, *args: str) -> str:
        """Run ``python -m hub --db URL *args``; return stdout. Raises HubError on a non-zero exit."""
        command, cwd, env = self._command("--db", self.db_url, *args)
        done = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            raise HubError(f"hub {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def create_user(
        self,
        username: str,
        role: str,
        *,
        organisation: str = "Devon MASH",
        ods: str | None = None,
        display_name: str | None = None,
        registration: str | None = None,
    ) -> str:
        """Create the user if missing (same role); returns the user id."""
        args = ["users", "create", username, "--name", display_name or username, "--role", role, "--org", organisation]
        if ods:
            args += ["--ods", ods]
        if registration:
            args += ["--registration", registration]
        return self.cli(*args, "--exist-ok").split()[-1]

    def enrol_code(
        self,
        username: str,
        role: str = "health_visitor",
        *,
        organisation: str = "Devon MASH",
        ods: str | None = None,
        display_name: str | None = None,
        registration: str | None = None,
    ) -> str:
        """Create the user if needed (a GP gets practice A81001 unless ``ods`` is given); return a one-time code."""
        if role == "gp" and ods is None:
            ods = "A81001"
        self.create_user(
            username, role, organisation=organisation, ods=ods, display_name=display_name, registration=registration
        )
        return self.cli("enrol-code", username).strip().splitlines()[-1]
