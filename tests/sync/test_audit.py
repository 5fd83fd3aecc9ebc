"""The hash-chained audit log."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync import Repository, Vault, VaultSettings
from sync._audit import GENESIS, append_audit

PASS = "correct horse battery staple"


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.create(tmp_path, PASS, settings=VaultSettings.for_tests())
    yield v
    v.lock()


def _fill(repo: Repository) -> None:
    case = repo.save_record("case", {"child_name": "A"})
    repo.get_record(case.id)
    repo.record_event("export", case.id, "fhir")


def test_every_action_is_chained(vault: Vault) -> None:
    repo = Repository(vault)
    _fill(repo)
    log = repo.audit_log()
    assert [e.action for e in log] == ["create_vault", "create", "view", "export"]
    assert log[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(log))
    assert repo.verify_audit_chain()
    assert [e.action for e in repo.audit_log(limit=2)] == ["view", "export"]


def test_unlock_is_audited(vault: Vault) -> None:
    vault.lock()
    vault.unlock(PASS)
    assert Repository(vault).audit_log()[-1].action == "unlock"


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit SET detail = 'csv' WHERE action = 'export'",
        "DELETE FROM audit WHERE action = 'view'",
        "UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE action = 'create'",
        "DELETE FROM audit WHERE action = 'create_vault'",
    ],
)
def test_tampering_breaks_the_chain(vault: Vault, tamper: str) -> None:
    repo = Repository(vault)
    _fill(repo)
    with vault.transaction() as conn:
        conn.execute(tamper)
    assert not repo.verify_audit_chain()


def test_an_audit_entry_rolls_back_with_its_transaction(vault: Vault) -> None:
    repo = Repository(vault)
    before = len(repo.audit_log())

    def fails() -> None:
        with vault.transaction() as conn:
            append_audit(conn, "share", None, "referral")
            raise RuntimeError("the share failed")

    with pytest.raises(RuntimeError, match=r"^the share failed$"):
        fails()
    assert len(repo.audit_log()) == before
    assert repo.verify_audit_chain()
