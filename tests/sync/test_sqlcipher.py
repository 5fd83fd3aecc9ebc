"""The SQLCipher door: a wider lookaside pool, file shape checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import VaultCorrupt, _sqlcipher


def test_the_wider_lookaside_pool_took_effect_on_this_build() -> None:
    # Linux wheels of sqlcipher3 export SQLite's C API; if a new build hid it, the write cost would triple silently.
    assert _sqlcipher.LOOKASIDE_WIDENED is True


def test_a_key_that_is_not_32_bytes_never_reaches_sql() -> None:
    with pytest.raises(ValueError, match="a database key must be 32 bytes"):
        _sqlcipher.hex_key(bytearray(b"\x00" * 31))


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"x" * 4095, "truncated"), (b"SQLite format 3\x00" + b"\x00" * 4080, "not encrypted")],
)
def test_file_shape_is_checked_before_any_key(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "vault.db"
    path.write_bytes(content)
    with pytest.raises(VaultCorrupt, match=reason):
        _sqlcipher.check_db_file(path)
