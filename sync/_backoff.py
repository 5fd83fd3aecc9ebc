"""Exponential backoff with full jitter, and Retry-After parsing.

Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the n-th wait is uniform in
[0, min(cap, base * 2**n)], which spreads many devices returning at once after an outage.
A Retry-After from the hub is a floor: we never come back sooner than the hub asked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass
class Backoff:
    """Delays for consecutive failures; ``reset()`` after a success."""

    base: float = 1.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Count one more failure and return how long to wait before the next try."""
        ceiling = min(self.cap, self.base * (2 ** min(self.failures, 30)))
        self.failures += 1
        delay = self.rng.uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        return delay

    def reset(self) -> None:
        self.failures = 0


__all__ = ["Backoff", "parse_retry_after"]
