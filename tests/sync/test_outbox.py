"""The outbox has one owner: ``sync._outbox.Outbox`` writes its tables, and a sent row leaves only with an answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sync
from protocol import Outcome
from sync import Replica, Repository, Vault
from sync._outbox import Outbox, OutboxError
from tests.support.synchelp import make_vault, outbox, response, result

_OWNED = r"(outbox|conflicts|rejections|receipts)\b"
_WRITE = re.compile(rf"(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+{_OWNED}", re.IGNORECASE)
_DELETE = re.compile(rf"DELETE\s+FROM\s+{_OWNED}", re.IGNORECASE)


def _writers(pattern: re.Pattern[str]) -> dict[str, int]:
    package = Path(sync.__file__).parent
    found = {p.name: len(pattern.findall(p.read_text())) for p in package.rglob("*.py")}
    return {name: n for name, n in found.items() if n}


def test_only_the_outbox_module_writes_its_tables() -> None:
    assert set(_writers(_WRITE)) == {"_outbox.py"}


def test_rows_leave_through_one_statement() -> None:
    assert _writers(_DELETE) == {"_outbox.py": 1}


def test_the_scan_sees_a_writer_when_there_is_one(tmp_path: Path) -> None:
    sample = 'conn.execute("DELETE FROM outbox WHERE seq = ?", (1,))\nconn.execute("update receipts set x = 1")'
    assert len(_WRITE.findall(sample)) == 2


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return make_vault(tmp_path / "vault")


def test_a_sent_row_never_leaves_without_the_hubs_answer(vault: Vault) -> None:
    case = Repository(vault).save_record("case", {"name": "A"})
    [sent] = Replica(vault).take_batch(10, 1_000_000)
    with pytest.raises(OutboxError), vault.transaction() as conn:
        Outbox(conn).complete([sent.mutation_id])
    assert [r["mutation_id"] for r in outbox(vault)] == [sent.mutation_id]  # rolled back: still there
    Replica(vault).store_response([sent], response([result(sent, Outcome.APPLIED, version=1)]))
    assert outbox(vault) == []
    assert Repository(vault).get_record(case.id) is not None


def test_an_unsent_row_may_be_superseded(vault: Vault) -> None:
    Repository(vault).save_record("case", {"name": "A"})
    [row] = outbox(vault)
    with vault.transaction() as conn:
        assert Outbox(conn).complete([row["mutation_id"], "not-a-row"]) == {row["mutation_id"]}
    assert outbox(vault) == []
