"""The launch secret at the door (``fieldapp._gate``): without the printed link's secret nothing of the app answers,
not a page, not a script, not the WebSocket (issue 10). The gate is driven with raw ASGI messages."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from fieldapp._gate import REFUSED_PAGE, Gate, LaunchSecret, Message, Receive, Scope, Send, same_secret

PORT = 8550
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"
CHILD = "Wilhelmina Canarybird"


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    reached: bool = False  # the app behind the gate saw the request
    closed: int | None = None  # a WebSocket refused with this code


class Door:
    """A gate in front of a stand-in app that would show a child's name to anyone it lets in."""

    def __init__(self, secret: LaunchSecret) -> None:
        self.secret = secret
        self.gate = Gate(self._app, secret, PORT)
        self.cookie = ""

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": CHILD})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-inside", b"1")]})
        await send({"type": "http.response.body", "body": f"the caseload of {CHILD}".encode()})

    def get(self, target: str, headers: dict[str, str] | None = None, kind: str = "http") -> Answer:
        path, _, query = target.partition("?")
        sent = {"host": HOST, **({"cookie": self.cookie} if self.cookie else {}), **(headers or {})}
        scope: dict[str, Any] = {
            "type": kind,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
        }
        answer = Answer()

        async def receive() -> Message:
            return {"type": "websocket.connect"} if kind == "websocket" else {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = {k.decode(): v.decode() for k, v in message["headers"]}
                answer.reached = "x-inside" in answer.headers
            elif message["type"] == "http.response.body":
                answer.body += message.get("body", b"").decode()
            elif message["type"] == "websocket.accept":
                answer.reached = True
            elif message["type"] == "websocket.send":
                answer.body += message["text"]
            elif message["type"] == "websocket.close":
                answer.closed = message["code"]

        asyncio.run(self.gate(scope, receive, send))
        return answer

    def enter(self) -> Door:
        r = self.get(f"/?token={self.secret.token}")
        assert r.status == 303
        self.cookie = r.headers["set-cookie"].split(";", 1)[0]
        return self


@pytest.fixture
def secret() -> LaunchSecret:
    return LaunchSecret.new()


@pytest.fixture
def door(secret: LaunchSecret) -> Door:
    return Door(secret)


@pytest.mark.parametrize("path", ["/", "/caseload", "/case/1", "/ws", "/assets/x.js", "/docs", "/openapi.json"])
def test_no_secret_gets_only_the_plain_page(door: Door, path: str) -> None:
    r = door.get(path)
    assert r.status == 403
    assert not r.reached
    assert r.body == REFUSED_PAGE
    assert "Canarybird" not in r.body
    assert "<script" not in r.body
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "query", ["token=wrong", "token=", "token=%C3%A9", "token=%ED%A0%80", "token=%00", "TOKEN=x", "token"]
)
def test_a_wrong_secret_gets_only_the_plain_page(door: Door, query: str) -> None:
    r = door.get(f"/?{query}")
    assert r.status == 403
    assert not r.reached
    assert "Open the app from the link it printed" in r.body


def test_the_right_secret_sets_the_cookie_and_leaves_the_address(door: Door, secret: LaunchSecret) -> None:
    r = door.get(f"/case/42?tab=notes&token={secret.token}")
    assert r.status == 303
    assert not r.reached
    assert r.headers["location"] == "/case/42?tab=notes"  # the secret is gone from what the browser shows
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"mash_field_{PORT}={secret.cookie};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert secret.token not in cookie
    door.cookie = cookie.split(";", 1)[0]
    r = door.get("/caseload")
    assert r.status == 200
    assert "Canarybird" in r.body


def test_the_secret_twice_is_refused(door: Door, secret: LaunchSecret) -> None:
    assert door.get(f"/?token={secret.token}&token={secret.token}").status == 403


def test_a_wrong_secret_is_refused_even_with_the_cookie(door: Door) -> None:
    door.enter()
    r = door.get("/?token=guess")
    assert r.status == 403
    assert not r.reached


def test_the_redirect_never_leaves_the_app(door: Door, secret: LaunchSecret) -> None:
    assert door.get(f"//evil.example/?token={secret.token}").headers["location"] == "/"


def test_a_wrong_cookie_is_refused(door: Door) -> None:
    door.cookie = f"mash_field_{PORT}=not-it"
    assert door.get("/").status == 403
    door.cookie = f"mash_field_9={door.secret.cookie}"  # another launch's name
    assert door.get("/").status == 403


def test_another_host_name_is_refused_even_with_the_cookie(door: Door) -> None:
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 gets nothing."""
    door.enter()
    assert door.get("/", headers={"host": f"evil.example:{PORT}"}).status == 403
    assert door.get("/", headers={"host": "127.0.0.1:9"}).status == 403
    assert door.get("/", headers={"host": f"localhost:{PORT}"}).status == 200


def test_the_websocket_needs_the_cookie(door: Door) -> None:
    refused = door.get("/ws", kind="websocket")
    assert refused.closed == 1008
    assert not refused.reached
    assert CHILD not in refused.body
    door.enter()
    inside = door.get("/ws", headers={"origin": ORIGIN}, kind="websocket")
    assert inside.reached
    assert inside.body == CHILD


def test_the_websocket_must_come_from_the_app_itself(door: Door) -> None:
    door.enter()
    r = door.get("/ws", headers={"origin": "http://evil.example"}, kind="websocket")
    assert r.closed == 1008
    assert not r.reached


def test_lifespan_passes_through(door: Door) -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Message:
        return {}

    async def drop(message: Message) -> None:
        pass

    asyncio.run(Gate(app, door.secret, PORT)({"type": "lifespan"}, nothing, drop))
    assert seen == ["lifespan"]


def test_secrets_differ_per_launch_and_compare_safely() -> None:
    a, b = LaunchSecret.new(), LaunchSecret.new()
    assert a.token != b.token
    assert a.cookie != b.cookie
    assert len(a.token) >= 43  # 32 random bytes
    assert same_secret(a.token, a.token)
    assert not same_secret("\ud800", a.token)  # never raises, whatever the browser sent
    assert not same_secret("é" * 43, a.token)
