"""How hard the property-based fuzzers try: CI's budget by default, a deeper run with ``MASH_FUZZ=deep``
(``make fuzz``). The CI figures were sized by planting faults and counting the examples that found them (see the
comments beside each fuzzer's settings)."""

from __future__ import annotations

import os

DEEP = os.environ.get("MASH_FUZZ", "") == "deep"


def examples(ci: int, deep: int) -> int:
    """``ci`` examples in the normal suite, ``deep`` under ``make fuzz``."""
    return deep if DEEP else ci
