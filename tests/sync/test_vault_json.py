"""The vault's JSON text (sync._json) and the audit chain's payload, written by orjson, against what Python's
encoder wrote before: the same values back, the same bytes under the chain's hashes, and NaN refused."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import RecordError, Repository, Vault, VaultSettings
from sync._audit import _entry_hash
from sync._json import dumps, loads

_TEXT = st.text(st.characters(exclude_categories=("Cs",)))  # lone surrogates are not UTF-8 for either encoder
_SCALARS = st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT
_JSON = st.recursive(
    _SCALARS | st.integers(-(2**63), 2**64 - 1),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    vault = Vault.create(tmp_path, "correct horse battery staple", settings=VaultSettings.for_tests())
    yield Repository(vault)
    vault.lock()


@given(_JSON)
def test_what_is_written_reads_back_as_it_was(value: Any) -> None:
    assert loads(dumps(value)) == value
    assert json.loads(dumps(value, sort_keys=True)) == value


@given(st.integers(min_value=2**64))
def test_an_integer_orjson_cannot_write_is_written_by_the_standard_library(big: int) -> None:
    assert json.loads(dumps({"n": big})) == {"n": big}


@given(st.dictionaries(_TEXT, _SCALARS, max_size=6))
def test_sorted_text_is_what_the_standard_library_wrote(value: dict[str, Any]) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert json.loads(dumps(value, sort_keys=True)) == json.loads(expected)
    assert list(json.loads(dumps(value, sort_keys=True))) == sorted(value)


@given(_TEXT, _TEXT, _TEXT, st.none() | _TEXT, _TEXT)
def test_the_audit_payload_is_byte_for_byte_the_old_one(
    prev: str, at: str, action: str, record_id: str | None, detail: str
) -> None:
    """Chains written before orjson must still verify: the hash covers the same bytes."""
    old = json.dumps([prev, at, action, record_id, detail], separators=(",", ":"), ensure_ascii=False)
    assert _entry_hash(prev, at, action, record_id, detail) == hashlib.sha256(old.encode()).hexdigest()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"a": [1, {"b": math.nan}]}])
def test_nan_and_infinity_are_refused_not_written_as_null(bad: Any) -> None:
    with pytest.raises(ValueError, match="NaN or infinity"):
        dumps(bad)


def test_a_real_null_is_written_as_null() -> None:
    assert dumps({"a": None, "b": [None, 1.5]}) == '{"a":null,"b":[null,1.5]}'


def test_a_record_with_nan_is_refused_and_nothing_is_stored(repo: Repository) -> None:
    before = repo.list_records()
    with pytest.raises(RecordError, match="NaN or infinity"):
        repo.save_record("case", {"child_name": "Ann", "weight_kg": math.nan})
    assert repo.list_records() == before


def test_the_chain_verifies_over_text_beyond_ascii(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": 'Zoë \u2028 \x01 "q" \\'})
    repo.save_record("note", {"text": "café"}, case_id=case.id)
    repo.get_record(case.id)
    assert repo.verify_audit_chain()
    assert repo.get_record(case.id).body["child_name"] == 'Zoë \u2028 \x01 "q" \\'  # type: ignore[union-attr]
