"""Every JSON body the hub reads goes through ``protocol.parse_json`` (I-JSON: UTF-8, finite numbers, safe
integers, no lone surrogates, no duplicate keys), so a value that cannot be canonicalised, hashed or stored is a
422 at the edge, for every field of every route, typed or free-form, instead of a 500 deep in a push.

FastAPI reads a body with ``request.json()``; the route class hands each endpoint a request whose ``json()`` is
the strict reader. Its ``InvalidJson`` is a ``JSONDecodeError``, which FastAPI answers as a validation error.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from protocol import parse_json


class _StrictRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """An APIRoute whose endpoint reads JSON bodies with the strict reader."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictRequest(request.scope, request.receive))

        return strict
