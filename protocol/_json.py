"""JSON as both sides read and hash it: the strict I-JSON reader and RFC 8785 canonical JSON (the rfc8785 package).

The one owner of the canonical form: forms (content hashes of referrals), sync (receipts on the device) and the hub
(payload hashes, receipts) all import it from here.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final, NoReturn

import orjson
import rfc8785

from protocol._wire import MAX_SAFE_INT


class InvalidJson(json.JSONDecodeError):
    """A body that is JSON to Python's reader but not to every reader: refused before anything is hashed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


#: Valid UTF-8 never decodes to a surrogate, and JSON holds no raw NUL: only an escape can make either (a
#: ``\\uD800``-``\\uDFFF``, paired or not, or ``\\u0000``). Without one, no string needs looking at.
_SUSPECT_ESCAPE: Final = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


def _no_constant(name: str) -> NoReturn:
    raise InvalidJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    # One bound for every number: a float past 2**53 is written by RFC 8785 as an integer that no longer fits.
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_SAFE_INT:
        raise InvalidJson(f"a number is beyond +/-{MAX_SAFE_INT}")
    return value


def _safe_int(text: str) -> int:
    # Digits first: int() of a huge literal costs time (and Python refuses over 4300 digits with another error).
    if len(text) > 17 or abs(value := int(text)) > MAX_SAFE_INT:
        raise InvalidJson(f"an integer is beyond +/-{MAX_SAFE_INT}")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise InvalidJson("an object has the same key twice")
    return value


def parse_json(body: bytes | str) -> Any:
    """Read a JSON body the way every reader would, or raise ``InvalidJson`` (a ``JSONDecodeError``).

    I-JSON (RFC 7493): UTF-8 only; no NaN or Infinity; every number within +/-(2**53-1) (integers exact);
    no lone surrogates; no duplicate keys. And no NUL in any string (no field needs one; PostgreSQL cannot store
    it). What passes can always be canonicalised (``canonical_json``) and reads back equal, so a content hash covers
    exactly what the hub stores and serves.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise InvalidJson("the body is not UTF-8") from exc
    try:
        value = json.loads(
            text, parse_constant=_no_constant, parse_float=_finite, parse_int=_safe_int, object_pairs_hook=_unique
        )
    except RecursionError as exc:
        raise InvalidJson("the body is nested too deeply") from exc
    if _SUSPECT_ESCAPE.search(text):
        _check_strings(value)
    return value


def _check_strings(value: Any) -> None:
    """Every key and string: encodable as UTF-8 (no lone surrogate) and without NUL (which PostgreSQL's text
    columns cannot hold). A loop, not recursion: the value may be as deep as the JSON reader allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise InvalidJson("a string holds a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidJson("a string holds a lone UTF-16 surrogate") from exc


def _python_writes_it_canonically(value: Any) -> bool:
    """Whether ``orjson.dumps(option=OPT_SORT_KEYS)`` (compact, UTF-8, as ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` writes) gives ``value`` byte for byte as RFC 8785 does. It does
    when every key is ASCII (orjson sorts by code point, JCS by UTF-16 unit: they
    agree on ASCII) and there is no float (JCS writes numbers as ECMAScript does: ``1.0`` is ``1``); strings are
    escaped alike (only quote, backslash and control characters; the short forms for the five that have one).
    Anything else (a float, a non-ASCII key, an integer past 2**53, a type JSON has not) goes to the rfc8785
    package, which owns the edge cases and their errors."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key in item:
                if type(key) is not str or not key.isascii():
                    return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if abs(item) > MAX_SAFE_INT:
                return False
        elif kind is not str and kind is not bool and item is not None:
            return False
    return True


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """The one byte form of a record's fields that both sides hash: RFC 8785 (JCS).

    Most bodies (ASCII keys, no floats) are written by orjson, which gives the same bytes many times faster than
    the rfc8785 package's pure Python (a push of 1,000 notes hashes each one); the rest, by the package.
    tests/sync/test_protocol_json.py checks the two agree on arbitrary JSON.

    Raises ``rfc8785.CanonicalizationError`` (a ValueError) for what JCS cannot hold (NaN, Infinity, integers past
    2**53, lone surrogates): ``parse_json`` refuses all of these at the edge, so the hub never meets one here.
    """
    if _python_writes_it_canonically(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # a lone surrogate: the package raises its own error for it
            pass
    return rfc8785.dumps(value)


def content_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``canonical_json(fields)``: what a receipt proves was shared."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


__all__ = ["InvalidJson", "canonical_json", "content_hash", "parse_json"]
