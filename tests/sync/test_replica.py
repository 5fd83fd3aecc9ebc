"""The database side of replication, driven with hand-made hub answers (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from protocol import FieldConflict, Issue, Outcome, Receipt, RecordType
from sync import Choice, Replica, Repository, Vault
from tests.support.synchelp import change, make_vault, outbox, record_row, response, result


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return make_vault(tmp_path / "vault")


@pytest.fixture
def repo(vault: Vault) -> Repository:
    return Repository(vault)


@pytest.fixture
def replica(vault: Vault) -> Replica:
    return Replica(vault)


def test_batch_takes_oldest_row_of_each_record_in_order_and_counts_attempts(
    repo: Repository, replica: Replica, vault: Vault
) -> None:
    a = repo.save_record("case", {"name": "A"})
    b = repo.save_record("case", {"name": "B"})
    first = replica.take_batch(10, 1_000_000)
    assert [r.record_id for r in first] == [str(a.id), str(b.id)]
    repo.save_record("case", {"name": "A2"}, record_id=a.id)  # a new row: the first one was attempted
    assert len(outbox(vault, a.id)) == 2
    again = replica.take_batch(10, 1_000_000)
    assert [r.mutation_id for r in again] == [r.mutation_id for r in first]  # the second row of A waits
    assert [r["attempts"] for r in outbox(vault)] == [2, 2, 0]
    assert [r.mutation_id for r in replica.take_batch(1, 1_000_000)] == [first[0].mutation_id]


def test_batch_respects_byte_limit_but_always_sends_one(repo: Repository, replica: Replica) -> None:
    for i in range(5):
        repo.save_record("case", {"name": f"n{i}", "notes": "x" * 1000})
    assert len(replica.take_batch(10, 2_500)) == 1
    assert len(replica.take_batch(10, 100)) == 1
    assert len(replica.take_batch(10, 1_000_000)) == 5


def test_applied_answer_acknowledges_and_rebases_next_row(repo: Repository, replica: Replica, vault: Vault) -> None:
    rec = repo.save_record("case", {"name": "A", "town": "Leeds"})
    [row] = replica.take_batch(10, 1_000_000)
    repo.save_record("case", {"town": "York"}, record_id=rec.id)
    replica.store_response([row], response([result(row, version=1)], cursor=5))
    state = record_row(vault, rec.id)
    assert state["server_version"] == 1
    assert json.loads(state["server_body"]) == {"name": "A", "town": "Leeds"}
    assert json.loads(state["body"]) == {"name": "A", "town": "York"}
    assert state["state"] == "pending"
    [left] = outbox(vault)
    assert left["base_version"] == 1
    assert json.loads(left["fields"]) == {"town": "York"}
    [row2] = replica.take_batch(10, 1_000_000)
    replica.store_response([row2], response([result(row2, version=2)]))
    assert outbox(vault) == []
    assert record_row(vault, rec.id)["state"] == "synced"
    synced = replica.record_sync(str(rec.id))
    assert synced is not None
    assert synced.state == "sent"


def test_replayed_answer_changes_nothing(repo: Repository, replica: Replica, vault: Vault) -> None:
    rec = repo.save_record("case", {"name": "A"})
    [row] = replica.take_batch(10, 1_000_000)
    replica.store_response([row], response([result(row, version=1)]))
    before = record_row(vault, rec.id)
    replica.store_response([row], response([result(row, version=1)]))
    assert record_row(vault, rec.id) == before


def test_unanswered_rows_stay_queued(repo: Repository, replica: Replica, vault: Vault) -> None:
    repo.save_record("case", {"name": "A"})
    batch = replica.take_batch(10, 1_000_000)
    replica.store_response(batch, response([]))
    assert [r["state"] for r in outbox(vault)] == ["queued"]


def test_conflict_answer_holds_later_rows_until_resolved(repo: Repository, replica: Replica, vault: Vault) -> None:
    rec = repo.save_record("case", {"name": "A", "town": "Leeds"})
    [row] = replica.take_batch(10, 1_000_000)
    replica.store_response([row], response([result(row, version=1)]))
    repo.save_record("case", {"town": "York", "name": "Ann"}, record_id=rec.id)
    [row2] = replica.take_batch(10, 1_000_000)
    repo.save_record("case", {"phone": "123"}, record_id=rec.id)
    theirs = {"name": "A", "town": "Hull"}
    clash = FieldConflict(field="town", base="Leeds", mine="York", theirs="Hull")
    replica.store_response(
        [row2], response([result(row2, Outcome.CONFLICT, version=2, fields=theirs, conflicts=[clash])])
    )
    assert record_row(vault, rec.id)["state"] == "conflict"
    [conflict] = replica.list_conflicts()
    assert [(c.field, c.base, c.mine, c.theirs) for c in conflict.fields] == [("town", "Leeds", "York", "Hull")]
    rows = outbox(vault, rec.id)
    assert all(r["state"] == "held" for r in rows)
    sent_fields: dict[str, object] = {}
    for r in rows:
        sent_fields.update(json.loads(r["fields"]))
    assert sent_fields == {"name": "Ann", "phone": "123"}  # the disjoint part goes on; town belongs to the conflict
    assert replica.take_batch(10, 1_000_000) == []
    assert replica.resolve_conflict(conflict.id, {}) != []  # a choice is missing: issues, no exception
    assert replica.resolve_conflict(conflict.id, {"town": Choice.MINE}) == []
    assert replica.list_conflicts() == []
    rows = outbox(vault, rec.id)
    assert all(r["state"] == "queued" and r["base_version"] == 2 for r in rows)
    assert json.loads(rows[-1]["fields"]) == {"town": "York"}
    assert json.loads(record_row(vault, rec.id)["body"]) == {"name": "Ann", "town": "York", "phone": "123"}


def test_resolve_with_edited_value_and_theirs(repo: Repository, replica: Replica, vault: Vault) -> None:
    rec = repo.save_record("case", {"a": 1, "b": 1})
    [row] = replica.take_batch(10, 1_000_000)
    replica.store_response([row], response([result(row, version=1)]))
    repo.save_record("case", {"a": 2, "b": 2}, record_id=rec.id)
    replica.store_response([], response(changes=[change(9, rec.id, 2, {"a": 3, "b": 3})]))
    [conflict] = replica.list_conflicts()
    assert {c.field for c in conflict.fields} == {"a", "b"}
    assert replica.resolve_conflict(conflict.id, {"a": Choice.THEIRS, "b": Choice.edited(7)}) == []
    [waiting] = outbox(vault, rec.id)
    assert json.loads(waiting["fields"]) == {"b": 7}
    assert waiting["base_version"] == 2
    assert json.loads(record_row(vault, rec.id)["body"]) == {"a": 3, "b": 7}


def test_rejection_holds_its_record_and_the_rest_flows(repo: Repository, replica: Replica, vault: Vault) -> None:
    bad = repo.save_record("case", {"name": ""})
    good = repo.save_record("case", {"name": "B"})
    batch = replica.take_batch(10, 1_000_000)
    issue = Issue(path="name", code="required", message="Name is required")
    replica.store_response(batch, response([result(batch[0], Outcome.REJECTED, issues=[issue]), result(batch[1])]))
    assert record_row(vault, bad.id)["state"] == "rejected"
    assert record_row(vault, good.id)["state"] == "synced"
    [rejection] = replica.list_rejections()
    assert rejection.issues[0].code == "required"
    assert rejection.fields == {"name": ""}
    repo.save_record("case", {"name": "still bad"}, record_id=bad.id)
    assert replica.take_batch(10, 1_000_000) == []  # the record waits behind its rejected row
    assert replica.fix_rejection(rejection.id, {"name": "Fixed"}) == []
    [row] = replica.take_batch(10, 1_000_000)
    assert row.base_version == 0
    assert row.fields == {"name": "Fixed"}
    assert replica.list_rejections() == []


def test_discarding_a_rejected_create_drops_the_record(repo: Repository, replica: Replica, vault: Vault) -> None:
    bad = repo.save_record("case", {"name": ""})
    batch = replica.take_batch(10, 1_000_000)
    replica.store_response(batch, response([result(batch[0], Outcome.FORBIDDEN)]))
    [rejection] = replica.list_rejections()
    assert rejection.outcome == "forbidden"
    assert replica.discard_rejection(rejection.id) == []
    assert replica.record_sync(str(bad.id)) is None
    assert outbox(vault) == []


def test_pull_inserts_new_records_and_skips_versions_already_held(
    repo: Repository, replica: Replica, vault: Vault
) -> None:
    rec = repo.save_record("case", {"name": "A"})
    [row] = replica.take_batch(10, 1_000_000)
    other = "01890000-0000-7000-8000-000000000001"
    replica.store_response(
        [row],
        response([result(row)], [change(1, rec.id, 1, {"name": "A"}), change(2, other, 3, {"name": "Z"})], cursor=2),
    )
    assert record_row(vault, other)["state"] == "synced"
    assert json.loads(record_row(vault, other)["body"]) == {"name": "Z"}
    assert record_row(vault, rec.id)["server_version"] == 1
    with vault.read() as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'sync.cursor'").fetchone()[0] == "2"


def test_pull_rebases_a_pending_edit_on_disjoint_fields(repo: Repository, replica: Replica, vault: Vault) -> None:
    rec = repo.save_record("case", {"name": "A", "town": "Leeds"})
    [row] = replica.take_batch(10, 1_000_000)
    replica.store_response([row], response([result(row)]))
    repo.save_record("case", {"town": "York"}, record_id=rec.id)
    replica.store_response([], response(changes=[change(5, rec.id, 2, {"name": "Anne", "town": "Leeds"})]))
    state = record_row(vault, rec.id)
    assert json.loads(state["body"]) == {"name": "Anne", "town": "York"}
    assert state["server_version"] == 2
    assert state["state"] == "pending"
    [left] = outbox(vault)
    assert left["base_version"] == 2
    assert left["state"] == "queued"
    assert replica.list_conflicts() == []


def test_pull_clash_with_pending_edit_becomes_a_conflict(repo: Repository, replica: Replica, vault: Vault) -> None:
    rec = repo.save_record("case", {"name": "A"})
    [row] = replica.take_batch(10, 1_000_000)
    replica.store_response([row], response([result(row)]))
    repo.save_record("case", {"name": "Mine"}, record_id=rec.id)
    replica.store_response([], response(changes=[change(5, rec.id, 2, {"name": "Theirs"})]))
    [conflict] = replica.list_conflicts(str(rec.id))
    assert [(c.base, c.mine, c.theirs) for c in conflict.fields] == [("A", "Mine", "Theirs")]
    assert record_row(vault, rec.id)["state"] == "conflict"
    assert outbox(vault) == []  # the edit lives in the conflict until the user chooses


def test_receipts_are_kept(repo: Repository, replica: Replica, vault: Vault) -> None:
    case = repo.save_record("case", {"name": "A"})
    ref = repo.save_record("referral", {"summary": "worry"}, case_id=case.id)
    batch = replica.take_batch(10, 1_000_000)
    receipt = Receipt(hub_reference="MASH-2026-000001", received_at=datetime.now(UTC), content_hash="ab" * 32)
    replica.store_response(batch, response([result(batch[0]), result(batch[1], receipt=receipt)]))
    status = replica.record_sync(str(ref.id))
    assert status is not None
    assert status.state == "sent"
    assert status.receipt == receipt
    assert record_row(vault, ref.id)["type"] == RecordType.REFERRAL.value


def test_counts(repo: Repository, replica: Replica) -> None:
    repo.save_record("case", {"name": "A"})
    assert replica.counts().pending == 1
