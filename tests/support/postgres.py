"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks (see /work/shared/guide/toolchain.md).

    with PostgresCluster() as pg:
        url = pg.create_database("test_x")    # postgresql+psycopg://app@127.0.0.1:PORT/test_x

initdb refuses to run as root, so when we are root the cluster is made and run as the ``postgres`` system user.
Trust authentication on loopback only; the data directory is removed on ``stop``. The server is stopped with
``pg_ctl stop -m immediate`` and, if that fails, SIGKILLed by the pid in ``postmaster.pid``.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg

from tests.support.hubproc import free_port

USER = "app"


def _bin(name: str) -> str:
    found = shutil.which(name) or f"/usr/lib/postgresql/15/bin/{name}"
    return found


class PostgresCluster:
    def __init__(self, *, settings: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.settings = {"max_connections": "300", "fsync": "on", **(settings or {})}
        self._dir: Path | None = None
        self._as_postgres = os.geteuid() == 0

    def _run(self, command: list[str], timeout: float = 60) -> None:
        cmd = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)] if self._as_postgres else command
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}\n{done.stderr}")

    @property
    def data(self) -> Path:
        assert self._dir is not None
        return self._dir / "data"

    def start(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        if self._as_postgres:
            shutil.chown(self._dir, "postgres", "postgres")
        self._run(
            [
                _bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._dir} " + " ".join(
            f"-c {k}={v}" for k, v in self.settings.items()
        )
        self._run(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self._dir / "pg.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            timeout=90,
        )

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # names are ours, never user input
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self) -> None:
        if self._dir is None:
            return
        try:
            # immediate: no shutdown checkpoint; the cluster is thrown away next
            self._run([_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop"], timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():
                pid = int(pid_file.read_text().split()[0])
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                time.sleep(0.2)  # let the kernel reap the postmaster before the directory goes
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
