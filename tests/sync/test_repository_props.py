"""Property: whatever the sequence of edits and send attempts, replaying a record's outbox rows in order over an
empty record gives exactly its local body, and a row's payload never changes once it has been attempted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import Repository, Vault, VaultSettings

PASS = "correct horse battery staple"
FIELDS = ("child_name", "postcode", "school", "gp_practice")
edit = st.dictionaries(st.sampled_from(FIELDS), st.one_of(st.none(), st.text(max_size=8)), max_size=3)
step: st.SearchStrategy[tuple[str, dict[str, str | None]]] = st.one_of(
    st.tuples(st.just("edit"), edit), st.tuples(st.just("attempt"), st.just({}))
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    vault = Vault.create(tmp_path_factory.mktemp("props"), PASS, settings=VaultSettings.for_tests())
    yield Repository(vault)
    vault.lock()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=edit, steps=st.lists(step, max_size=12))
def test_outbox_replays_to_the_body(
    repo: Repository, first: dict[str, str | None], steps: list[tuple[str, dict[str, str | None]]]
) -> None:
    vault = repo.vault
    record = repo.save_record("case", first)
    frozen: dict[int, str] = {}  # seq -> payload of rows already attempted
    for kind, fields in steps:
        if kind == "edit":
            record = repo.save_record("case", fields, record_id=record.id)
        else:  # the sync engine takes the queued rows for sending
            with vault.transaction() as conn:
                conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE record_id = ?", (str(record.id),))
                for row in conn.execute("SELECT seq, fields FROM outbox WHERE record_id = ?", (str(record.id),)):
                    frozen.setdefault(row["seq"], row["fields"])
    with vault.read() as conn:
        rows = conn.execute(
            "SELECT seq, fields, base_version FROM outbox WHERE record_id = ? ORDER BY seq", (str(record.id),)
        ).fetchall()
    replayed: dict[str, object] = {}
    for row in rows:
        replayed.update(json.loads(row["fields"]))
        if row["seq"] in frozen:
            assert row["fields"] == frozen[row["seq"]], "an attempted mutation's payload changed"
    assert replayed == record.body
    stored = repo.get_record(record.id)
    assert stored is not None
    assert stored.body == record.body
    assert rows[0]["base_version"] == 0
