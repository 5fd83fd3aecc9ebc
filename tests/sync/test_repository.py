"""The local record store: records with their outbox rows, drafts, attachments, receipts, caseload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from sync import AppendOnlyRecord, RecordError, RecordInput, Repository, Vault, VaultLocked, VaultSettings

PASS = "correct horse battery staple"


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.create(tmp_path, PASS, settings=VaultSettings.for_tests())
    yield v
    v.lock()


@pytest.fixture
def repo(vault: Vault) -> Repository:
    return Repository(vault)


def _outbox(vault: Vault, record_id: UUID) -> list[dict[str, Any]]:
    with vault.read() as conn:
        rows = conn.execute(
            "SELECT mutation_id, record_type, case_id, base_version, fields, state, attempts FROM outbox "
            "WHERE record_id = ? ORDER BY seq",
            (str(record_id),),
        ).fetchall()
    return [{**dict(zip(r.keys(), r, strict=True)), "fields": json.loads(r["fields"])} for r in rows]


def test_new_case_is_its_own_case_with_a_create_mutation(vault: Vault, repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child", "postcode": "EX1 1AA"})
    assert case.case_id == case.id
    assert case.id.version == 7
    assert (case.state, case.server_version, case.server_body) == ("pending", 0, None)
    [row] = _outbox(vault, case.id)
    assert row["base_version"] == 0
    assert row["fields"] == {"child_name": "A Child", "postcode": "EX1 1AA"}
    assert (row["state"], row["attempts"], row["record_type"]) == ("queued", 0, "case")
    assert row["case_id"] == str(case.id)
    assert repo.get_record(case.id) == case
    assert repo.pending_count() == 1


def test_a_note_needs_its_case(repo: Repository) -> None:
    with pytest.raises(RecordError, match="must belong to a case"):
        repo.save_record("note", {"text": "orphan"})


def test_unknown_type_and_bad_field_names_are_refused(repo: Repository) -> None:
    with pytest.raises(RecordError, match="Unknown record type"):
        repo.save_record("diary", {"text": "x"})
    with pytest.raises(RecordError, match="not allowed"):
        repo.save_record("case", {"Child Name": "x"})


def test_changes_merge_into_an_unsent_outbox_row(vault: Vault, repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child", "postcode": "EX1 1AA"})
    changed = repo.save_record("case", {"postcode": "EX2 2BB", "child_name": "A Child"}, record_id=case.id)
    assert changed.body == {"child_name": "A Child", "postcode": "EX2 2BB"}
    [row] = _outbox(vault, case.id)
    assert row["fields"] == {"child_name": "A Child", "postcode": "EX2 2BB"}
    assert row["base_version"] == 0


def test_changes_after_a_send_attempt_get_a_new_row_with_only_the_changed_fields(
    vault: Vault, repo: Repository
) -> None:
    case = repo.save_record("case", {"child_name": "A Child", "postcode": "EX1 1AA"})
    with vault.transaction() as conn:  # what the sync engine does before sending, and after the hub's answer
        conn.execute("UPDATE outbox SET attempts = 1 WHERE record_id = ?", (str(case.id),))
        conn.execute("UPDATE records SET server_version = 3 WHERE id = ?", (str(case.id),))
    repo.save_record("case", {"postcode": "EX2 2BB", "child_name": "A Child"}, record_id=case.id)
    first, second = _outbox(vault, case.id)
    assert first["fields"] == {"child_name": "A Child", "postcode": "EX1 1AA"}  # never changed once attempted
    assert second["fields"] == {"postcode": "EX2 2BB"}
    assert second["base_version"] == 3
    assert second["mutation_id"] != first["mutation_id"]
    assert repo.pending_count() == 2


def test_saving_unchanged_fields_writes_nothing(vault: Vault, repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child"})
    audit_before = len(repo.audit_log())
    again = repo.save_record("case", {"child_name": "A Child"}, record_id=case.id)
    assert again.updated_at == case.updated_at
    assert len(repo.audit_log()) == audit_before
    assert len(_outbox(vault, case.id)) == 1


def test_append_only_records_cannot_change(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child"})
    note = repo.save_record("note", {"text": "first"}, case_id=case.id)
    with pytest.raises(AppendOnlyRecord, match="addendum"):
        repo.save_record("note", {"text": "edited"}, case_id=case.id, record_id=note.id)
    addendum = repo.save_record("note", {"text": "correction", "addendum_to": str(note.id)}, case_id=case.id)
    assert addendum.id != note.id
    stored = repo.get_record(note.id)
    assert stored is not None
    assert stored.body == {"text": "first"}


def test_record_type_cannot_change(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child"})
    with pytest.raises(RecordError, match="is a case"):
        repo.save_record("person", {"name": "x"}, case_id=case.id, record_id=case.id)


def test_conflict_state_survives_a_local_edit(vault: Vault, repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child"})
    with vault.transaction() as conn:
        conn.execute("UPDATE records SET state = 'conflict' WHERE id = ?", (str(case.id),))
    assert repo.save_record("case", {"postcode": "EX1 1AA"}, record_id=case.id).state == "conflict"


def test_save_records_is_all_or_nothing(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A Child"})
    good = RecordInput("note", {"text": "one"}, case_id=case.id)
    with pytest.raises(RecordError, match="A note must belong to a case"):
        repo.save_records([good, RecordInput("note", {"text": "no case"})])
    assert repo.list_records(record_type="note") == []
    saved = repo.save_records([good, RecordInput("note", {"text": "two"}, case_id=case.id)])
    assert [r.body["text"] for r in repo.list_records(record_type="note")] == ["one", "two"]
    assert len(saved) == 2


def test_a_batch_may_create_a_record_and_change_it_and_keeps_the_order(vault: Vault, repo: Repository) -> None:
    case_id = UUID("0190a3a0-0000-7000-8000-0000000000cc")
    saved = repo.save_records(
        [
            RecordInput("case", {"child_name": "Batch Child"}, record_id=case_id),
            RecordInput("note", {"text": "first visit"}, case_id=case_id),
            RecordInput("case", {"postcode": "EX1 1AA"}, record_id=case_id),  # the case made two lines up
            RecordInput("note", {"text": "second visit"}, case_id=case_id),
        ]
    )
    assert [r.type for r in saved] == ["case", "note", "case", "note"]
    case = repo.get_record(case_id)
    assert case is not None
    assert case.body == {"child_name": "Batch Child", "postcode": "EX1 1AA"}
    with vault.read() as conn:
        rows = conn.execute("SELECT record_type, fields FROM outbox ORDER BY seq").fetchall()
        assert [r[0] for r in rows] == ["case", "note", "note"]  # the edit joined the unsent case row
        assert json.loads(rows[0][1]) == {"child_name": "Batch Child", "postcode": "EX1 1AA"}
        audit = conn.execute("SELECT action FROM audit WHERE action IN ('create', 'change') ORDER BY seq")
        assert [r[0] for r in audit] == ["create", "create", "change", "create"]
    assert {h.record_id for h in repo.search("visit")} == {r.id for r in saved if r.type == "note"}
    assert repo.verify_audit_chain()


def test_list_records_filters(repo: Repository) -> None:
    a = repo.save_record("case", {"child_name": "A"})
    b = repo.save_record("case", {"child_name": "B"})
    repo.save_record("note", {"text": "for a"}, case_id=a.id)
    repo.save_record("person", {"name": "for b"}, case_id=b.id)
    assert {r.type for r in repo.list_records(case_id=a.id)} == {"case", "note"}
    assert [r.body for r in repo.list_records(record_type="person")] == [{"name": "for b"}]
    assert len(repo.list_records(state="pending")) == 4
    assert repo.list_records(state="synced") == []


def test_get_record_is_audited_as_a_view(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A"})
    assert repo.get_record(case.id) is not None
    assert [e.action for e in repo.audit_log(record_id=case.id)] == ["create", "view"]
    assert repo.get_record(UUID(int=1)) is None


def test_list_cases_for_the_caseload(vault: Vault, repo: Repository) -> None:
    a = repo.save_record("case", {"child_name": "Alice Example"})
    b = repo.save_record("case", {"child_name": "Bob Sample"})
    repo.save_record("note", {"text": "worried about bruising"}, case_id=b.id)
    repo.save_draft("hv_concern", {"x": 1}, case_id=a.id)
    with vault.transaction() as conn:
        conn.execute("UPDATE outbox SET state = 'acked' WHERE record_id = ?", (str(a.id),))
        conn.execute(
            "INSERT INTO conflicts (record_id, server_version, fields, created_at) VALUES (?, 2, '[]', 'now')",
            (str(b.id),),
        )
    by_id = {c.record.id: c for c in repo.list_cases()}
    assert (by_id[a.id].drafts, by_id[a.id].pending, by_id[a.id].conflicts) == (1, 0, 0)
    assert (by_id[b.id].drafts, by_id[b.id].pending, by_id[b.id].conflicts) == (0, 2, 1)
    assert [c.record.id for c in repo.list_cases(query="bruis")] == [b.id]
    assert [c.record.id for c in repo.list_cases(query="alice")] == [a.id]
    assert [c.record.id for c in repo.list_cases(has_drafts=True)] == [a.id]
    assert [c.record.id for c in repo.list_cases(pending=False)] == [a.id]
    assert [c.record.id for c in repo.list_cases(conflicts=True)] == [b.id]


def test_drafts(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A"})
    draft_id = repo.save_draft("note", {"text": "half"}, case_id=case.id)
    assert repo.save_draft("note", {"text": "whole"}, case_id=case.id, draft_id=draft_id) == draft_id
    draft = repo.get_draft(draft_id)
    assert draft is not None
    assert (draft.body, draft.kind, draft.case_id) == ({"text": "whole"}, "note", case.id)
    other = repo.save_draft("gp_response", {"a": 1})
    assert {d.id for d in repo.list_drafts()} == {draft_id, other}
    assert [d.id for d in repo.list_drafts(case_id=case.id)] == [draft_id]
    assert [d.id for d in repo.list_drafts(kind="gp_response")] == [other]
    assert repo.delete_draft(draft_id)
    assert not repo.delete_draft(draft_id)
    assert repo.get_draft(draft_id) is None
    assert repo.pending_count() == 1  # drafts are never queued


def test_attachments_are_content_addressed(repo: Repository) -> None:
    import hashlib

    case = repo.save_record("case", {"child_name": "A"})
    data = b"\x89PNG fake body map"
    digest = repo.put_attachment(data, "image/png", case.id)
    assert digest == hashlib.sha256(data).hexdigest()
    assert repo.put_attachment(data, "image/png", case.id) == digest
    att = repo.get_attachment(digest)
    assert att is not None
    assert (att.data, att.media_type, att.record_id) == (data, "image/png", case.id)
    assert repo.get_attachment("0" * 64) is None
    assert repo.get_attachment("not a hash") is None


def test_receipts(vault: Vault, repo: Repository) -> None:
    rid = UUID("0190a3a0-0000-7000-8000-000000000123")
    assert repo.get_receipt(rid) is None
    with vault.transaction() as conn:
        conn.execute(
            "INSERT INTO receipts VALUES (?, 'MASH-2026-0001', '2026-11-30T10:00:00+00:00', ?)", (str(rid), "a" * 64)
        )
    receipt = repo.get_receipt(rid)
    assert receipt is not None
    assert receipt.hub_reference == "MASH-2026-0001"
    assert receipt.received_at.year == 2026


def test_everything_needs_an_unlocked_vault(vault: Vault, repo: Repository) -> None:
    vault.lock()
    with pytest.raises(VaultLocked):
        repo.save_record("case", {"child_name": "A"})
    with pytest.raises(VaultLocked):
        repo.list_records()
    vault.unlock(PASS)
    assert repo.list_records() == []
