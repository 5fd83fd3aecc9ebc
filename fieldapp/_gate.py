"""The launch secret: in web mode only the browser the app was opened in reaches it.

The app serves on loopback, but any tab, local user or process could open that port. So each launch makes a
secret and prints (and opens) the link that carries it, like a notebook server's token:
``http://127.0.0.1:PORT/?token=SECRET``. ``Gate`` wraps the whole ASGI app, before Flet sees a request:

- a request with the right token (compared in constant time) is answered with a redirect to the same address without
  it, setting a per-launch cookie (HttpOnly, SameSite=Strict), so the secret leaves the address bar and the history;
- a request or WebSocket with that cookie reaches Flet; a WebSocket must also come from the app's own origin;
- anything else (no secret, a wrong one, another Host header as in DNS rebinding) gets one plain page, "Open the
  app from the link it printed", and no route, no script and no WebSocket: nothing of the app at all.

The cookie is named after the port because browsers do not keep cookies apart by port.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.requests import cookie_parser

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_PARAM: Final = "token"  # noqa: S105 - the name of the query parameter, not a secret
REFUSED_PAGE: Final = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>MASH Field</title></head><body>"
    "<h1>MASH Field</h1><p>Open the app from the link it printed when it started.</p>"
    "<p>That link holds a key that changes every time the app starts. Without it this page shows nothing.</p>"
    "</body></html>"
)
_PLAIN_HEADERS: Final = [
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]


@dataclass(frozen=True)
class LaunchSecret:
    """One launch's secret (in the link) and the cookie value a browser holds once it has used the link."""

    token: str
    cookie: str

    @classmethod
    def new(cls) -> LaunchSecret:
        return cls(token=secrets.token_urlsafe(32), cookie=secrets.token_urlsafe(32))


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that never raises, whatever characters ``given`` holds."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


class Gate:
    """ASGI middleware: the launch secret before anything of the app (see the module docstring)."""

    def __init__(self, app: ASGIApp, secret: LaunchSecret, port: int) -> None:
        self.app = app
        self.secret = secret
        self.port = port
        self.cookie_name = f"mash_field_{port}"
        self.hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})
        self.origins = frozenset(f"http://{host}" for host in self.hosts)

    def link(self, path: str = "/") -> str:
        """The address to open: the app at ``path`` with this launch's secret."""
        return f"http://127.0.0.1:{self.port}{path}?{urlencode({TOKEN_PARAM: self.secret.token})}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):  # lifespan: Flet's start-up and shut-down
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("host", "") not in self.hosts:
            await self._refuse(kind, send)
            return
        if kind == "websocket":
            origin = headers.get("origin")
            if self._has_cookie(headers) and (origin is None or origin in self.origins):
                await self.app(scope, receive, send)
            else:
                await self._refuse(kind, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        tokens = [value for key, value in query if key == TOKEN_PARAM]
        if tokens:
            if len(tokens) == 1 and same_secret(tokens[0], self.secret.token):
                rest = [(key, value) for key, value in query if key != TOKEN_PARAM]
                await self._admit(scope, send, rest)
            else:
                await self._refuse(kind, send)
            return
        if self._has_cookie(headers):
            await self.app(scope, receive, send)
        else:
            await self._refuse(kind, send)

    def _has_cookie(self, headers: Headers) -> bool:
        value = cookie_parser(headers.get("cookie", "")).get(self.cookie_name)
        return value is not None and same_secret(value, self.secret.cookie)

    async def _admit(self, scope: Scope, send: Send, rest: list[tuple[str, str]]) -> None:
        """The right secret: set the cookie and send the browser on to the same address without the secret."""
        raw = scope.get("raw_path") or scope["path"].encode("utf-8")
        path = raw.decode("latin-1")
        if not path.startswith("/") or path.startswith("//"):  # never a redirect to another site
            path = "/"
        location = path + (f"?{urlencode(rest)}" if rest else "")
        cookie = f"{self.cookie_name}={self.secret.cookie}; Path=/; HttpOnly; SameSite=Strict"
        headers = [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1"))]
        await send({"type": "http.response.start", "status": 303, "headers": headers + _PLAIN_HEADERS})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, kind: str, send: Send) -> None:
        if kind == "websocket":  # closing before accepting: the handshake is answered 403
            await send({"type": "websocket.close", "code": 1008})
            return
        body = REFUSED_PAGE.encode("utf-8")
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 403, "headers": headers + _PLAIN_HEADERS})
        await send({"type": "http.response.body", "body": body})
