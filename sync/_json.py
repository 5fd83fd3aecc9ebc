"""JSON text inside the vault: records' bodies, the outbox's fields, the audit chain's payloads.

Written by orjson: saving or pulling a record encodes its body once or twice, and Python's encoder was the largest
single share of the vault's own work per record (3.7 us for a 600-character note against orjson's 0.25 us).

Two promises the standard library made and orjson does not are kept here:
- NaN and infinity are refused (``ValueError``), as ``json.dumps(allow_nan=False)`` would: orjson writes them as
  ``null``, which would change an answer without a word.
- What orjson cannot write (an integer past 64 bits) is written by the standard library instead, so no value the
  vault accepted before is refused now.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

import orjson

_SORTED: Final = orjson.OPT_SORT_KEYS
_FALLBACK: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_FALLBACK_SORTED: Final = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True
).encode


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON text (UTF-8, not ASCII-escaped), keys in the order given or sorted."""
    try:
        out = orjson.dumps(value, option=_SORTED if sort_keys else 0)
    except orjson.JSONEncodeError:
        return (_FALLBACK_SORTED if sort_keys else _FALLBACK)(value)
    if b"null" in out and _has_non_finite(value):  # the search runs only when a null could be a NaN in disguise
        raise ValueError("Out of range float values are not JSON compliant (NaN or infinity).")
    return out.decode()


def loads(text: str | bytes) -> Any:
    """The value of JSON text. NaN and Infinity literals are refused (``orjson.JSONDecodeError``, a ValueError)."""
    return orjson.loads(text)


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_non_finite(v) for v in value)
    return False
