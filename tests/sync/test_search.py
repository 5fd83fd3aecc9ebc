"""Full-text search over notes and case details (FTS5 inside the encrypted database)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import Repository, Vault, VaultSettings
from sync._search import SNIPPET_TOKENS, document_text, index_new_records, index_record, match_expression, snippet

PASS = "correct horse battery staple"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    vault = Vault.create(tmp_path_factory.mktemp("search"), PASS, settings=VaultSettings.for_tests())
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": "Chloé Brontë", "nhs_number": "943 476 5919"})
    repo.save_record("note", {"text": "Bruise on left forearm, explanation: fell off bike"}, case_id=case.id)
    repo.save_record("note", {"text": "Mother reports low mood since birth"}, case_id=case.id)
    repo.save_record("person", {"name": "Dale Brontë", "role": "father"}, case_id=case.id)
    repo.save_record("form", {"answers": {"concern": "bruise seen at school"}}, case_id=case.id)  # not indexed
    yield repo
    vault.lock()


def test_words_match_by_prefix_and_all_must_match(repo: Repository) -> None:
    assert {h.kind for h in repo.search("bruis")} == {"note"}
    assert [h.kind for h in repo.search("bruise forearm")] == ["note"]
    assert repo.search("bruise pancake") == []


def test_diacritics_and_case_are_ignored(repo: Repository) -> None:
    assert {h.kind for h in repo.search("bronte")} == {"case", "person"}
    assert {h.kind for h in repo.search("CHLOE")} == {"case"}


def test_nhs_number_with_or_without_spaces(repo: Repository) -> None:
    assert [h.kind for h in repo.search("9434765919")] == ["case"]
    assert [h.kind for h in repo.search("943 476 5919")] == ["case"]


def test_hits_carry_record_case_and_a_marked_snippet(repo: Repository) -> None:
    [hit] = repo.search("mood")
    record = repo.get_record(hit.record_id)
    assert record is not None
    assert record.case_id == hit.case_id
    assert "[mood]" in hit.snippet


def test_reindexing_on_change_drops_the_old_text(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=VaultSettings.for_tests())
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": "Chloé Brontë"})
    repo.save_record("case", {"child_name": "Chloé Smith"}, record_id=case.id)
    assert repo.search("bronte") == []
    assert [h.record_id for h in repo.search("smith")] == [case.id]
    vault.lock()


def test_limit(repo: Repository) -> None:
    assert len(repo.search("b", limit=1)) == 1
    assert repo.search("b", limit=0) == []


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ('"', []),
        ("bruise\"'", ["note"]),  # the quotes are dropped, the word stays
        ("-mood", ["note"]),  # not "everything but mood"
        ("^mood", ["note"]),
        ("NEAR(bruise mood)", []),  # NEAR is a word here: no record has it
        ("on OR mood", []),  # as FTS5's OR this would find both notes
        ("mood NOT bruise", []),  # as FTS5's NOT this would find the mood note
        ("bruise AND", []),  # as FTS5's AND this would be a syntax error
        ("OR", []),
        ("*", []),
        ("col:mood", []),  # not a column filter
        ("(", []),
        ("{text}:x", []),
        ("", []),
    ],
)
def test_fts_syntax_in_user_input_is_plain_words(repo: Repository, query: str, kinds: list[str]) -> None:
    assert sorted(h.kind for h in repo.search(query)) == kinds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
def test_any_text_is_a_safe_query(repo: Repository, query: str) -> None:
    expr = match_expression(query)
    assert expr is None or expr.count('"') % 2 == 0
    assert isinstance(repo.search(query), list)


def test_document_text_collects_nested_strings_and_numbers() -> None:
    text = document_text({"a": "one", "b": {"c": ["two", 3, True, None]}, "tel": "01392 665544"})
    assert text.split("\n") == ["one", "two", "3", "01392 665544", "01392665544"]


def test_case_ids_matching_finds_cases_through_their_notes_people_and_details(repo: Repository) -> None:
    [case] = repo.list_records(record_type="case")
    other = repo.save_record("case", {"child_name": "Zed Other"})
    cid, oid = str(case.id), str(other.id)
    assert repo.case_ids_matching("forearm") == {cid}  # a note
    assert repo.case_ids_matching("dale") == {cid}  # a person
    assert repo.case_ids_matching("bront") == {cid}  # the case and a person: one case id
    assert repo.case_ids_matching("zed") == {oid}
    assert repo.case_ids_matching("bruise school") == set()  # the form is not indexed, and all words must match
    assert repo.case_ids_matching("") == set()
    assert repo.case_ids_matching('"NEAR(*') == set()  # user input never reaches FTS syntax
    # With the entry -> case mapping read once, as the caseload does per refresh: the same answers.
    mapping = repo.search_cases_by_doc()
    assert set(mapping.values()) == {cid, oid}
    assert repo.case_ids_matching("forearm", mapping) == {cid}
    assert repo.case_ids_matching("zed", mapping) == {oid}
    assert repo.case_ids_matching("zed", {}) == set()  # a match whose entry the mapping lacks is left out


def test_a_snippet_marks_prefix_matches_without_case_or_accents_and_cuts_long_text() -> None:
    text = " ".join(f"w{i}" for i in range(40)) + " Chloé bruised " + " ".join(f"x{i}" for i in range(40))
    cut = snippet(text, ["chloe", "bruis"])
    assert "[Chloé] [bruised]" in cut
    assert cut.startswith("…")
    assert cut.endswith("…")
    assert len(cut.split()) == SNIPPET_TOKENS
    assert snippet("short note", ["absent"]) == "short note"


def test_records_indexed_in_bulk_are_found_and_reindexed_like_others(tmp_path: Path) -> None:
    vault = Vault.create(tmp_path, PASS, settings=VaultSettings.for_tests())
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": "Bulk Child"})
    ids = [str(uuid.uuid4()) for _ in range(3)]
    with vault.transaction() as conn:
        for i, rid in enumerate(ids):  # as a pulled page would be stored
            conn.execute(
                "INSERT INTO records (id, type, case_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, '', '')",
                (rid, "note", str(case.id), json.dumps({"text": f"pulled {i} kestrel"})),
            )
        index_new_records(conn, [(rid, "note", {"text": f"pulled {i} kestrel"}) for i, rid in enumerate(ids)])
        index_new_records(conn, [(str(uuid.uuid4()), "receipt", {"text": "kestrel"})])  # not a searched kind
    assert sorted(str(h.record_id) for h in repo.search("kestrel")) == sorted(ids)
    with vault.transaction() as conn:
        index_record(conn, ids[0], "note", {"text": "now about a heron"})
    assert sorted(str(h.record_id) for h in repo.search("kestrel")) == sorted(ids[1:])
    assert [str(h.record_id) for h in repo.search("heron")] == [ids[0]]
    vault.lock()
