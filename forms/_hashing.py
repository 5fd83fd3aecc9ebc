"""Canonical JSON and the content hash: RFC 8785 (JCS), by the rfc8785 package.

The package is the one owner of the canonical form. ``forms`` imports nothing of ours, so ``sync.protocol`` has its
own one-line wrapper over the same function; tests pin both to the same golden vectors (tests/forms/test_hashing.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """RFC 8785: keys sorted by UTF-16 code units, no spaces, UTF-8, numbers as ECMAScript writes them.

    Raises ``rfc8785.CanonicalizationError`` (a ValueError) for NaN, Infinity, integers past 2**53 and lone
    surrogates: values the hub refuses at the edge and the forms engine never produces.
    """
    return rfc8785.dumps(value)


def content_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``canonical_json(fields)``."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()
