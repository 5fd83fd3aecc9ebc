"""``parse_json``: whatever it accepts can be canonicalised (RFC 8785) and reads back equal; what it refuses is
refused with ``InvalidJson`` (a JSONDecodeError, so the hub answers 422), never with anything else."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import MAX_SAFE_INT, InvalidJson, canonical_json, parse_json

SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
STRINGS = st.one_of(st.text(max_size=20), SURROGATES, st.text(st.characters(codec=None), max_size=5))
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    STRINGS,
)
VALUES = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(STRINGS, inner, max_size=4), max_leaves=20
)


def _texts(value: Any) -> list[str]:
    # Both ways a client may write it: escaped ASCII (a lone surrogate becomes \ud800) and raw where it can be.
    texts = [json.dumps(value, allow_nan=True)]
    with contextlib.suppress(UnicodeEncodeError):
        texts.append(json.dumps(value, allow_nan=True, ensure_ascii=False).encode("utf-8").decode("utf-8"))
    return texts


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_accepted_json_canonicalises_and_reads_back_equal(value: Any) -> None:
    for text in _texts(value):
        for body in (text, text.encode("utf-8", "surrogatepass")):
            try:
                parsed = parse_json(body)
            except InvalidJson:
                continue
            again = json.loads(canonical_json({"v": parsed}))["v"]
            assert again == parsed
            assert rfc8785.dumps({"v": again}) == canonical_json({"v": parsed})


CONTROL_AND_EDGE = st.text(
    st.sampled_from('a\x00\x01\x08\t\n\x0b\x0c\r\x1f "\\/\x7f\u2028\ue000\U0001f600'), max_size=8
)
KEYED = st.recursive(
    st.one_of(LEAVES, CONTROL_AND_EDGE),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.one_of(STRINGS, CONTROL_AND_EDGE), inner, max_size=4)
    ),
    max_leaves=20,
)


def _either(make: Any) -> bytes | str:
    try:
        return bytes(make())
    except (ValueError, UnicodeError) as exc:  # JCS's refusals: the same kind from both
        return type(exc).__name__


@settings(max_examples=600, deadline=None)
@given(KEYED)
def test_the_fast_writer_gives_rfc8785s_bytes_or_its_refusal(value: Any) -> None:
    assert _either(lambda: canonical_json({"v": value})) == _either(lambda: rfc8785.dumps({"v": value}))


def test_keys_sort_by_utf16_units_not_code_points() -> None:
    # U+1F600 is D83D DE00 in UTF-16, before U+E000; by code point it is after: Python's order would be wrong.
    value = {"\ue000": 1, "\U0001f600": 2, "z": [1.0, 1e21, 5e-7]}
    assert canonical_json(value) == rfc8785.dumps(value)
    written = canonical_json(value).decode()
    assert written.index("\U0001f600") < written.index("\ue000")
    assert written.startswith('{"z":[1,1e+21,5e-7],')


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',
        '["ok", {"k": "\\udc00"}]',
        '{"\\udbff": 1}',
        "NaN",
        "[Infinity]",
        '{"a": -Infinity}',
        "1e400",
        "9.1e15",
        str(MAX_SAFE_INT + 1),
        str(-MAX_SAFE_INT - 1),
        "1" * 5000,
        '{"a": 1, "a": 1}',
        '"a\\u0000b"',
        '{"\\u0000": 1}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_what_not_every_reader_reads_the_same_is_refused(text: str) -> None:
    with pytest.raises(InvalidJson):
        parse_json(text)
    with pytest.raises(InvalidJson):
        parse_json(text.encode())


@pytest.mark.parametrize(
    "body", [b"\xff", "\ud800".encode("utf-8", "surrogatepass"), json.dumps({"a": 1}).encode("utf-16")]
)
def test_only_utf8_bodies(body: bytes) -> None:
    with pytest.raises(InvalidJson):
        parse_json(body)


def test_the_edges_of_the_safe_range_and_pairs_are_accepted() -> None:
    assert parse_json(f"[{MAX_SAFE_INT}, {-MAX_SAFE_INT}, 1.5e15, 5e-324]") == [
        MAX_SAFE_INT,
        -MAX_SAFE_INT,
        1.5e15,
        5e-324,
    ]
    assert parse_json('"\\ud83d\\ude00"') == "\U0001f600"
