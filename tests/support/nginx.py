"""nginx in front of hub processes, as docs/deployment.md deploys it: TLS ended with a given certificate, one upstream
of every hub port, X-Forwarded-For/-Proto and X-Request-ID set for the hubs.

    with Nginx(tmp / "nginx", [8001, 8002], cert_file, key_file, ca_file) as proxy:
        httpx.get(proxy.base_url + "/healthz", verify=proxy.trust)

It runs as the current user with its own prefix, configuration, pid file, logs and temporary folders under the given
folder (never the system's nginx service), in the foreground (``daemon off``) in its own process group, on a free
127.0.0.1 port. ``stop`` sends SIGQUIT (finish the requests in flight) to that group and SIGKILLs it after a
deadline. The access log names, for every request, the upstream that answered it (``requests()``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from tests.support.hubproc import free_port
from tests.support.procgroup import stop_group

# The tested configuration; docs/deployment.md shows the same, with a real server name and certificate paths.
CONFIG = """\
{user}daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    log_format upstream '$request_method|$uri|$status|$upstream_addr|$upstream_status';
    access_log {dir}/access.log upstream;

    upstream mash_hub {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 9m;  # the hub's own limit is 8 MiB a request; it answers 413 past that

        proxy_http_version 1.1;
        proxy_set_header Connection "";  # keep-alive connections to the hubs
        proxy_set_header Host $host;
        proxy_set_header X-Request-ID $request_id;  # the hub logs it and answers it back
        proxy_set_header X-Forwarded-For $remote_addr;  # replace, never append what the client sent
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;

        # The device API: every POST is safe to send again (a sync or push carries its mutation ids, and the hub
        # answers a replay with its first answer; a refresh has its grace period), so a request a dying hub never
        # answered is passed to the other one (non_idempotent).
        location /v1/ {{
            proxy_pass http://mash_hub;
            proxy_next_upstream {device_next_upstream};
        }}
        # The console and the probes: a console form is not sent twice behind the user's back.
        location / {{
            proxy_pass http://mash_hub;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


class NginxError(RuntimeError):
    """nginx is not installed, its configuration is refused, or it did not start."""


@dataclass(frozen=True)
class Served:
    """One line of the access log."""

    method: str
    path: str
    status: int
    upstreams: list[str]  # the hub addresses tried, in order (a failed one first when nginx passed the request on)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        raise NginxError("nginx is not installed: run scripts/install-system-deps (the Debian package nginx)")
    return found


class Nginx:
    def __init__(
        self,
        folder: Path,
        hub_ports: list[int],
        cert_file: Path,
        key_file: Path,
        ca_file: Path,
        *,
        port: int = 0,
        resend_posts: bool = True,
    ) -> None:
        """``ca_file``: the CA that signed ``cert_file``, which the readiness poll (and ``trust``) believes.
        ``resend_posts=False``: the device API as the console, nginx's default (a POST already sent to a hub that
        died is answered 502, and the device sends it again itself)."""
        self.binary = nginx_binary()
        self.trust = ssl.create_default_context(cafile=str(ca_file))
        self.folder = folder
        self.port = port or free_port()
        self.base_url = f"https://127.0.0.1:{self.port}"
        self.config = folder / "nginx.conf"
        # As root, nginx would hand its workers to "nobody"; run them as the current user (whoever that is).
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in hub_ports)
        self.config_text = CONFIG.format(
            user=user,
            dir=folder,
            servers=servers,
            port=self.port,
            cert=cert_file,
            key=key_file,
            device_next_upstream="error timeout http_502 http_503 non_idempotent" if resend_posts else "error timeout",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def _nginx(self, *args: str) -> list[str]:
        # -p: our prefix; -e: the error log from the first moment (before the configuration is read)
        return [
            self.binary,
            "-p",
            str(self.folder),
            "-e",
            str(self.folder / "error.log"),
            "-c",
            str(self.config),
            *args,
        ]

    def start(self, timeout: float = 20.0) -> None:
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        self.config.write_text(self.config_text)
        checked = subprocess.run(self._nginx("-t"), capture_output=True, text=True, timeout=30, check=False)
        if checked.returncode != 0:
            raise NginxError(f"nginx refused its configuration: {checked.stderr}")
        self.proc = subprocess.Popen(
            self._nginx(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop()
                raise NginxError(f"nginx exited with {code}: {self.error_log()}")
            try:
                httpx.get(self.base_url + "/healthz", timeout=1.0, verify=self.trust)
                return  # any answer: nginx listens and TLS holds
            except httpx.TransportError:
                time.sleep(0.05)  # polling interval while waiting for the port, not a fixed wait
        self.stop()
        raise NginxError(f"nginx did not answer within {timeout} s: {self.error_log()}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_group(proc, signal.SIGQUIT, timeout)  # SIGQUIT: finish the requests in flight

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def requests(self) -> list[Served]:
        path = self.folder / "access.log"
        served = []
        for line in path.read_text().splitlines() if path.exists() else []:
            method, uri, status, upstreams, _ = line.split("|")
            addresses = [a for a in upstreams.replace(" : ", ", ").split(", ") if a not in ("", "-")]
            served.append(Served(method, uri, int(status), addresses))
        return served
