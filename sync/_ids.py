"""Record, draft and mutation ids: UUIDv7 (RFC 9562), made on the device.

Each id is the Unix time in milliseconds (48 bits), the version, 12 bits that continue the clock below the
millisecond as a counter, the variant, and 62 random bits. The first 60 bits are a per-process clock that never
goes back and always moves on: ids made here sort in the order they were made, even many in one millisecond or
when the wall clock steps back (RFC 9562 section 6.2, method 3). The random bits make ids from different devices
collide with odds of one in 2**62 per millisecond and counter value.

Written here rather than taken from the uuid6 package: saving a batch of records makes two ids per record, and
the package's pure-Python ``uuid7`` (with its ``UUID`` object) was the largest share of the vault's own work per
record. ``new_id_strings`` makes a batch from one ``os.urandom`` call.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from typing import Final
from uuid import UUID

_VERSION: Final = 7 << 76
_VARIANT: Final = 0b10 << 62
_RAND_B: Final = (1 << 62) - 1
_lock = threading.Lock()
_last = 0  # the last (ms << 12 | counter) handed out


def _clock_values(n: int) -> int:
    """Reserve ``n`` consecutive 60-bit clock values; returns the first."""
    global _last
    with _lock:
        first = max(_last + 1, (time.time_ns() // 1_000_000) << 12)
        _last = first + n - 1
    return first


def _ints(n: int) -> list[int]:
    first = _clock_values(n)
    rands = struct.unpack(f">{n}Q", os.urandom(8 * n))  # every id's random bits from one read of the OS's source
    return [
        ((clock >> 12) << 80) | _VERSION | ((clock & 0xFFF) << 64) | _VARIANT | (rand & _RAND_B)
        for clock, rand in zip(range(first, first + n), rands, strict=True)
    ]


def _text(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_id_strings(n: int) -> list[str]:
    """``n`` new ids in their canonical text form (lower-case hex with dashes), in the order made."""
    return [_text(v) for v in _ints(n)]


def new_ids(n: int) -> list[tuple[UUID, str]]:
    """``n`` new ids, each as a UUID and its text (made once: ``str(UUID)`` costs as much again), in order made."""
    return [(UUID(int=v), _text(v)) for v in _ints(n)]


def new_id() -> UUID:
    return UUID(int=_ints(1)[0])


__all__ = ["new_id", "new_id_strings", "new_ids"]
