"""A synchronous httpx transport into an in-process ASGI app (what starlette's TestClient does, without it).

Runs the app on an anyio event loop in a background thread (a blocking portal) through ``httpx.ASGITransport``;
raw bytes pass unchanged both ways, so gzip and exact sizes can be tested.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import anyio.from_thread
import httpx


class PortalTransport(httpx.BaseTransport):
    def __init__(self, app: Any, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        """``client``: the peer address the app sees (per-client rate limits)."""
        self._cm: AbstractContextManager[anyio.from_thread.BlockingPortal] = anyio.from_thread.start_blocking_portal()
        self._portal = self._cm.__enter__()
        self._asgi = httpx.ASGITransport(app=app, client=client)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._asgi.handle_async_request(request)
            body = b"".join([chunk async for chunk in response.aiter_raw()])
            return response.status_code, response.headers.raw, body

        status, headers, body = self._portal.call(go)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        self._cm.__exit__(None, None, None)
