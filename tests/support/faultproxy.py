"""A fault-injecting HTTP proxy on 127.0.0.1, between a device and the hub.

Each request the device sends gets one action, from a script (in order) and then at random with a seed:

    pass            forward, answer
    delay:S         wait S seconds, then forward (longer than the client's timeout: a timeout)
    throttle:BPS    forward, then trickle the answer at BPS bytes per second
    drop_request    close the connection without forwarding (the hub never sees it)
    drop_response   forward (the hub commits), then close without answering: the answer is lost
    reset           send a TCP RST instead of forwarding
    truncate        forward, then send only the first half of the answer and close
    status:N[:RA]   answer N (500, 503, 429...) with an ErrorBody and Retry-After RA, without forwarding

One request per connection (the proxy answers ``Connection: close``), so an action is always one request's fate.
Threads, blocking sockets and h11 (httpx's own HTTP/1.1 parser).
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable
from types import TracebackType
from typing import Self

import h11

RANDOM_FAULTS: tuple[tuple[str, float], ...] = (
    ("drop_request", 1.0),
    ("drop_response", 2.0),
    ("reset", 1.0),
    ("truncate", 1.5),
    ("status:503:0", 1.0),
    ("status:500", 0.5),
    ("delay:2.0", 0.5),
    ("throttle:200000", 0.5),
)


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        script: Iterable[str] = (),
        fault_rate: float = 0.0,
        seed: int | None = None,
        upstream_host: str = "127.0.0.1",
        faults: tuple[tuple[str, float], ...] = RANDOM_FAULTS,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._script = list(script)
        self.fault_rate = fault_rate
        self._rng = random.Random(seed)
        self._faults = faults
        self._lock = threading.Lock()
        self.actions: Counter[str] = Counter()
        self.log: list[tuple[str, str, int]] = []  # (action, request target, request body bytes)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="faultproxy", daemon=True)

    # -- control --------------------------------------------------------------------------------------------------

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        try:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self._sock.close()
        finally:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def script(self, *actions: str) -> None:
        with self._lock:
            self._script.extend(actions)

    def set_random(self, fault_rate: float, seed: int | None = None) -> None:
        with self._lock:
            self.fault_rate = fault_rate
            if seed is not None:
                self._rng = random.Random(seed)

    def _next_action(self) -> str:
        with self._lock:
            if self._script:
                return self._script.pop(0)
            if self.fault_rate and self._rng.random() < self.fault_rate:
                names = [f for f, _ in self._faults]
                weights = [w for _, w in self._faults]
                return self._rng.choices(names, weights)[0]
            return "pass"

    # -- serving --------------------------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(30)
        try:
            request = _read_request(client)
            if request is None:
                return
            head, body = request
            action = self._next_action()
            with self._lock:
                self.actions[action.split(":")[0]] += 1
                self.log.append((action, head.target.decode(), len(body)))
            self._act(action, client, head, body)
        except (OSError, h11.ProtocolError):
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _act(self, action: str, client: socket.socket, head: h11.Request, body: bytes) -> None:
        kind, _, arg = action.partition(":")
        if kind == "drop_request":
            return
        if kind == "reset":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if kind == "status":
            code, _, retry_after = arg.partition(":")
            client.sendall(_error_answer(int(code), retry_after or None))
            return
        if kind == "delay":
            time.sleep(float(arg))
        answer = self._forward(head, body)
        if kind == "drop_response":
            return
        if kind == "truncate":
            client.sendall(answer[: max(1, len(answer) // 2)])
            return
        if kind == "throttle":
            rate = max(1, int(arg))
            step = max(1, rate // 20)
            for i in range(0, len(answer), step):
                client.sendall(answer[i : i + step])
                time.sleep(step / rate)
            return
        client.sendall(answer)

    def _forward(self, head: h11.Request, body: bytes) -> bytes:
        with socket.create_connection(self.upstream, timeout=60) as up:
            conn = h11.Connection(h11.CLIENT)
            headers = [(k, v) for k, v in head.headers if k.lower() != b"connection"] + [(b"connection", b"close")]
            out = conn.send(h11.Request(method=head.method, target=head.target, headers=headers))
            out += conn.send(h11.Data(data=body)) if body else b""
            out += conn.send(h11.EndOfMessage())
            up.sendall(out)
            status, resp_headers, resp_body = _read_response(up, conn)
        server = h11.Connection(h11.SERVER)
        server.receive_data(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        server.next_event()
        server.next_event()
        kept = [
            (k, v) for k, v in resp_headers if k.lower() not in (b"connection", b"transfer-encoding", b"content-length")
        ]
        kept += [(b"connection", b"close"), (b"content-length", str(len(resp_body)).encode())]
        data = server.send(h11.Response(status_code=status, headers=kept))
        data += server.send(h11.Data(data=resp_body)) if resp_body else b""
        return data + server.send(h11.EndOfMessage())


def _read_request(sock: socket.socket) -> tuple[h11.Request, bytes] | None:
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=1 << 20)
    head: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = sock.recv(65536)
            if not data:
                return None
            conn.receive_data(data)
            continue
        if isinstance(event, h11.Request):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return (head, bytes(body)) if head is not None else None
        elif isinstance(event, h11.ConnectionClosed):
            return None


def _read_response(sock: socket.socket, conn: h11.Connection) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
            continue
        if isinstance(event, h11.Response):
            status, headers = event.status_code, list(event.headers)
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            return status, headers, bytes(body)


def _error_answer(status: int, retry_after: str | None) -> bytes:
    code = "unavailable" if status == 503 else "rate_limited" if status == 429 else "internal"
    body = json.dumps({"code": code, "message": "injected by the fault proxy"}).encode()
    lines = [
        f"HTTP/1.1 {status} Injected",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
    ]
    if retry_after is not None:
        lines.append(f"retry-after: {retry_after}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


__all__ = ["RANDOM_FAULTS", "FaultProxy"]
