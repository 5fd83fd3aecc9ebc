"""ASGI middleware: bounded request bodies and gzip-encoded requests.

The whole body is read (at most ``max_bytes``, counted as it arrives, so a lying Content-Length cannot help), a
gzip body is inflated with the same bound (a zip bomb stops at the limit), and the app sees a plain body.
Anything over the limit is answered 413 ``too_large``; a body that is not valid gzip, 400 ``bad_request``.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol import ErrorBody, ErrorCode


async def _error(send: Send, status: int, code: ErrorCode, message: str) -> None:
    body = ErrorBody(code=code, message=message).model_dump_json().encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        declared = next((v for k, v in headers if k == b"content-length"), None)
        too_large = f"request body over {self.max_bytes} bytes"
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _error(send, 413, ErrorCode.TOO_LARGE, too_large)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _error(send, 413, ErrorCode.TOO_LARGE, too_large)
                return
            if not message.get("more_body", False):
                break
        encoding = next((v for k, v in headers if k == b"content-encoding"), b"identity").strip().lower()
        if encoding == b"gzip":
            inflater = zlib.decompressobj(wbits=31)
            try:
                plain = inflater.decompress(bytes(body), self.max_bytes + 1)
            except zlib.error:
                await _error(send, 400, ErrorCode.BAD_REQUEST, "request body is not valid gzip")
                return
            if len(plain) > self.max_bytes or inflater.unconsumed_tail:
                await _error(send, 413, ErrorCode.TOO_LARGE, too_large + " once inflated")
                return
            body = bytearray(plain)
        elif encoding not in (b"identity", b""):
            await _error(send, 400, ErrorCode.BAD_REQUEST, "only gzip request bodies are supported")
            return
        headers = [(k, v) for k, v in headers if k not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode()))
        scope = {**scope, "headers": headers}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
