"""Limits on unauthenticated attempts (enrolment, token refresh, the console's sign-in), per client and per account.

Each guarded action has two limits (``limits`` notation, e.g. ``"10/minute"``): one per client (the peer's IP
address) and one per account (whatever the action names: the user of an enrolment, the device of a refresh token,
the username of a sign-in), so neither one address trying many accounts nor many addresses trying one account get
far. Over a limit the caller gets ``429 rate_limited`` with ``Retry-After`` (seconds), before any database work or
audit row. Counters live in memory, per hub process (moving windows from the ``limits`` package): with N worker
processes a client may get up to N times the limit, which is still a bound; a shared store (Redis) is a one-line
change of ``storage_uri`` if that ever matters.

Use from a route::

    request.app.state.limiter.check("enrol", client=client_of(request), account=user_id)
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from hub._errors import ApiError
from protocol import ErrorCode


@dataclass(frozen=True, slots=True)
class Limit:
    """The two limits of one action; an empty string turns that one off."""

    per_client: str
    per_account: str


#: The defaults: generous for people and devices (a clinic enrolling tablets behind one address, a device
#: refreshing every ten minutes), tight for guessing. ``Settings.rate_limits`` replaces them.
DEFAULT_LIMITS: Final[Mapping[str, Limit]] = {
    "enrol": Limit(per_client="20/minute", per_account="5/minute"),
    "refresh": Limit(per_client="120/minute", per_account="10/minute"),
    "sign_in": Limit(per_client="20/minute", per_account="5/minute"),
}


def client_of(request: Request) -> str:
    """The peer's address (behind a reverse proxy, run uvicorn with ``--proxy-headers`` so this is the client's)."""
    return request.client.host if request.client else "unknown"


class RateLimiter:
    """The hub's limits on guarded actions, in this process's memory."""

    def __init__(self, limits: Mapping[str, Limit], storage_uri: str = "memory://") -> None:
        self._strategy = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._items: dict[tuple[str, str], RateLimitItem] = {}
        for action, limit in limits.items():
            for scope, text in (("client", limit.per_client), ("account", limit.per_account)):
                if text:
                    self._items[(action, scope)] = parse(text)

    def check(self, action: str, *, client: str | None = None, account: str | None = None) -> None:
        """Count one attempt at ``action``; raise ``ApiError(429)`` with ``Retry-After`` once over a limit."""
        for scope, key in (("client", client), ("account", account)):
            item = self._items.get((action, scope))
            if item is None or key is None:
                continue
            if not self._strategy.hit(item, action, scope, key):
                reset = self._strategy.get_window_stats(item, action, scope, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise ApiError(
                    429,
                    ErrorCode.RATE_LIMITED,
                    f"too many attempts: try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
