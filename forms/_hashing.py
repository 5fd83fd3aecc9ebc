"""Canonical JSON and the content hash: byte-for-byte the same as sync.protocol.content_hash (checked in tests)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the one byte form that the hub, the sync client and forms all hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``canonical_json(fields)``."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()
