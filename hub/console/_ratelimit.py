"""A per-client limit on failed sign-in attempts (the account lockout in ``hub._signin`` is per account; this stops
one computer from trying many accounts). In memory, per hub process: a sliding window of failure times per client
address. ``clock`` is the hub's (tests move it)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Final

WINDOW_S: Final = 15 * 60
MAX_FAILURES: Final = 20
_MAX_CLIENTS: Final = 10_000


class ClientLimiter:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and times[0] <= now - WINDOW_S:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, self._clock())) >= MAX_FAILURES

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._failures) >= _MAX_CLIENTS and client not in self._failures:
                self._failures.clear()  # bounded memory: forgetting everyone is safer than growing without end
            self._recent(client, self._clock()).append(self._clock())
