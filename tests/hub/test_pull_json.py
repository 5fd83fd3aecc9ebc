"""A pull page written straight from the rows (hub._pull.change_json) reads back exactly as protocol's models write
it: same keys, same values, same order, whatever a record's fields hold."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub import _store
from hub._pull import Page, change_json, pull_body, sync_body
from protocol import (
    Author,
    Change,
    HubMeta,
    MutationResult,
    Outcome,
    PullResponse,
    Receipt,
    RecordType,
    Role,
    SyncResponse,
)

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)
AUTHOR = Author(
    user_id=uuid.UUID(int=7),
    display_name='Dr "Quote" \\ Ünïcode\n',
    role=Role.GP,
    organisation="Riverside Surgery",
    ods_code="A81001",
)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    receipt = draw(st.booleans())
    return {
        "seq": draw(st.integers(1, 2**53 - 1)),
        "record_id": str(draw(st.uuids())),
        "record_type": draw(st.sampled_from([t.value for t in RecordType])),
        "case_id": str(draw(st.uuids())),
        "version": draw(st.integers(1, 10_000)),
        "fields": _store.dumps(draw(st.dictionaries(TEXT, JSON, max_size=5))),
        "status": draw(st.none() | TEXT),
        "flags": draw(st.none() | st.lists(TEXT, max_size=3).map(json.dumps)),
        "receipt_ref": "MASH-2026-000001" if receipt else None,
        "receipt_at": 1_780_000_000.25 if receipt else None,
        "receipt_hash": "ab" * 32 if receipt else None,
        "author": draw(st.sampled_from([None, AUTHOR.model_dump_json()])),
    }


def _model(row: dict[str, Any]) -> Change:
    receipt = None
    if row["receipt_ref"]:
        received = dt.datetime.fromtimestamp(row["receipt_at"], dt.UTC)
        receipt = Receipt(hub_reference=row["receipt_ref"], received_at=received, content_hash=row["receipt_hash"])
    return Change(
        seq=row["seq"],
        record_id=uuid.UUID(row["record_id"]),
        record_type=RecordType(row["record_type"]),
        case_id=uuid.UUID(row["case_id"]),
        version=row["version"],
        fields=json.loads(row["fields"]),
        hub=HubMeta(
            status=row["status"],
            flags=json.loads(row["flags"]) if row["flags"] else [],
            receipt=receipt,
            author=Author.model_validate_json(row["author"]) if row["author"] else None,
        ),
    )


def _pairs(text: str | bytes) -> Any:
    """The JSON with every object as a list of (key, value) pairs: equality then checks key order too."""
    return json.loads(text, object_pairs_hook=list)


@settings(max_examples=300, deadline=None)
@given(st.lists(rows(), max_size=4), st.booleans())
def test_a_page_reads_back_as_the_models_write_it(page_rows: list[dict[str, Any]], more: bool) -> None:
    authors: dict[str, str] = {}
    page = Page(changes=[change_json(row, authors) for row in page_rows], cursor=42, more=more)
    expected = PullResponse(changes=[_model(row) for row in page_rows], cursor=42, more=more)
    assert _pairs(pull_body(page)) == _pairs(expected.model_dump_json())
    assert PullResponse.model_validate_json(pull_body(page)) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(rows(), max_size=3), st.dictionaries(TEXT, JSON, max_size=3))
def test_a_sync_answer_splices_the_changes_after_the_results(page_rows: list[dict[str, Any]], shown: Any) -> None:
    # A result's fields may even hold a key "changes": the splice does not look for it.
    result = MutationResult(
        mutation_id=uuid.UUID(int=1),
        record_id=uuid.UUID(int=2),
        outcome=Outcome.APPLIED,
        version=1,
        fields={"changes": [], **shown},
    )
    lease = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
    page = Page(changes=[change_json(row, {}) for row in page_rows], cursor=7, more=True)
    expected = SyncResponse(
        results=[result], changes=[_model(row) for row in page_rows], cursor=7, more=True, lease_expires_at=lease
    )
    assert _pairs(sync_body([result], page, lease)) == _pairs(expected.model_dump_json())
