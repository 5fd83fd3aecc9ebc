"""Pulled records that are new to the device go in with one statement per page: stored exactly as before."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol import HubMeta, RecordType
from sync import Replica, Vault
from tests.support.synchelp import change, make_vault, response

# Text that JSON must escape or that is not ASCII: quotes, backslashes, control characters, accents, emoji.
_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), _TEXT, st.lists(_TEXT, max_size=3))
_FIELDS = st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), _VALUE, max_size=5)


def _rows(vault: Vault) -> dict[str, tuple[object, ...]]:
    with vault.read() as conn:
        raw = conn.execute(
            "SELECT id, type, case_id, body, server_body, server_version, typeof(server_version), state, hub_meta, "
            "created_at = updated_at FROM records"
        ).fetchall()
    return {str(r[0]): tuple(r[1:]) for r in raw}


def test_new_records_are_stored_byte_for_byte(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v")
    case_id = uuid4()
    a, b = uuid4(), uuid4()
    fields_a = {"name": 'Zoë "Jo" O\'Neil \\ 😀', "notes": "line 1\nline 2\t\u0000end", "age": 3, "tags": ["x", "ÿ"]}
    fields_b = {"text": "plain", "flag": True, "score": None}
    meta = HubMeta(status="received", flags=["urgent"])
    Replica(vault).store_response(
        [],
        response(
            changes=[
                change(1, a, 4, fields_a, record_type=RecordType.CASE, case_id=case_id, hub=meta),
                change(2, b, 1, fields_b, record_type=RecordType.NOTE, case_id=case_id),
            ],
            cursor=2,
        ),
    )
    rows = _rows(vault)
    # The stored bytes, written out (not computed by the code under test): sorted keys, no spaces, UTF-8 as is,
    # JSON's escapes for quotes, backslashes and control characters.
    body_a = '{"age":3,"name":"Zoë \\"Jo\\" O\'Neil \\\\ 😀","notes":"line 1\\nline 2\\t\\u0000end","tags":["x","ÿ"]}'
    body_b = '{"flag":true,"score":null,"text":"plain"}'
    meta_a = '{"status":"received","flags":["urgent"],"receipt":null,"author":null}'
    meta_b = '{"status":null,"flags":[],"receipt":null,"author":null}'
    assert rows[str(a)] == ("case", str(case_id), body_a, body_a, 4, "integer", "synced", meta_a, 1)
    assert rows[str(b)] == ("note", str(case_id), body_b, body_b, 1, "integer", "synced", meta_b, 1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(st.lists(_FIELDS, min_size=1, max_size=4), min_size=1, max_size=3))
def test_any_fields_round_trip(tmp_path_factory: pytest.TempPathFactory, pages: list[list[dict[str, object]]]) -> None:
    path = tmp_path_factory.mktemp("v") / "v"
    vault = make_vault(path)
    replica = Replica(vault)
    expected: dict[str, str] = {}
    seq = 0
    for page in pages:
        changes = []
        for fields in page:
            seq += 1
            rid = uuid4()
            expected[str(rid)] = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            changes.append(change(seq, rid, 1, fields))
        replica.store_response([], response(changes=changes, cursor=seq))
    rows = _rows(vault)
    assert {k: (v[2], v[3]) for k, v in rows.items()} == {k: (t, t) for k, t in expected.items()}
    vault.lock()
