"""Strict-Transport-Security on the console's answers when it is served over HTTPS.

Pure ASGI (no buffering of bodies). The scheme is the request's as uvicorn sees it: direct TLS (``serve
--tls-cert``) or, behind a TLS-terminating proxy, ``X-Forwarded-Proto`` from a proxy uvicorn trusts
(``--forwarded-allow-ips``). Over plain HTTP the header means nothing to a browser and is not sent (RFC 6797 7.2).
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS: Final = b"max-age=31536000; includeSubDomains"


class ConsoleHsts:
    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"strict-transport-security", HSTS)]
            await send(message)

        await self.app(scope, receive, with_hsts)
