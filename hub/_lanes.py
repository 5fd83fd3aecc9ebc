"""Two thread pools for the blocking database work of the endpoints: one for reads, one for writes.

Writers can wait on database locks (the seq counter under load); with one shared pool, waiting writers would fill
every thread and reads (pulls, check-ins, token checks) would queue behind them. Each lane has its own bound, and
the connection pool is sized to both (``Settings.lane_threads`` each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class Lanes:
    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._reads: anyio.CapacityLimiter | None = None
        self._writes: anyio.CapacityLimiter | None = None

    async def read(self, fn: Callable[[], T]) -> T:
        if self._reads is None:  # made lazily: a limiter belongs to the running event loop
            self._reads = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(fn, limiter=self._reads)

    async def write(self, fn: Callable[[], T]) -> T:
        if self._writes is None:
            self._writes = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(fn, limiter=self._writes)

    def waiting(self) -> dict[str, int]:
        """Calls queued for a thread, per lane (read in the event loop, where the limiters live)."""
        lanes = {"read": self._reads, "write": self._writes}
        return {name: limiter.statistics().tasks_waiting if limiter else 0 for name, limiter in lanes.items()}
