"""Nothing personal in the hub's logs, even when the database fails: a real hub subprocess, canary values (a
child's name, an NHS number) in the records it is given, database errors provoked under it, and every line it
wrote scanned. SQLAlchemy puts a statement's parameters in its error messages unless the engine hides them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from tests.support.hubproc import HubProcess

CHILD = "Zebedee Canarywhistle"
NHS = "9434765919"
CANARIES = (CHILD, "Canarywhistle", NHS, "943 476 5919", "Kestrel Lane")


@pytest.fixture
def hubproc(db_url: str) -> Iterator[HubProcess]:
    with HubProcess(db_url) as proc:
        yield proc


def _case() -> dict[str, object]:
    record_id = str(uuid.uuid4())
    fields = {"child_name": CHILD, "nhs_number": NHS, "address": "3 Kestrel Lane", "postcode": "TQ1 2AB"}
    return {
        "mutation_id": str(uuid.uuid4()),
        "record_id": record_id,
        "record_type": "case",
        "case_id": record_id,
        "base_version": 0,
        "fields": fields,
    }


def test_database_errors_leave_no_personal_data_in_the_logs(hubproc: HubProcess, db_url: str) -> None:
    code = hubproc.enrol_code("hv-canary", "health_visitor")
    creds = httpx.post(hubproc.base_url + "/v1/enrol", json={"code": code, "device_name": "tablet"}).json()
    headers = {"Authorization": f"Bearer {creds['access_token']}"}
    ok = httpx.post(hubproc.base_url + "/v1/push", json={"mutations": [_case()]}, headers=headers, timeout=30)
    assert ok.status_code == 200, ok.text
    assert ok.json()["results"][0]["outcome"] == "applied"

    # Break the database under the running hub: every new record now fails inside the database, at the insert
    # whose parameters hold the whole record.
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE record_versions RENAME TO versions_gone"))
    finally:
        engine.dispose()
    answers = [
        httpx.post(hubproc.base_url + path, json={"mutations": [_case()]}, headers=headers, timeout=60)
        for path in ("/v1/push", "/v1/sync", "/v1/push")
    ]
    assert all(a.status_code == 500 for a in answers), [a.text for a in answers]
    for answer in answers:
        assert answer.json()["code"] == "internal"
        assert not any(c in answer.text for c in CANARIES)

    hubproc.stop()  # every line flushed
    log = hubproc.full_log()
    assert "INSERT INTO record_versions" in log, log[-2000:]  # the errors were logged, with their statements
    found = {c for c in CANARIES if c in log}
    assert found == set(), [line for line in log.splitlines() if any(c in line for c in found)][:5]


def test_every_engine_the_hub_makes_hides_parameters() -> None:
    """Class-wide: a new ``create_engine`` in the hub without ``hide_parameters=True`` fails here."""
    import ast
    from pathlib import Path

    calls = []
    for path in sorted(Path(__file__).resolve().parents[2].joinpath("hub").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "create_engine"
            ):
                hidden = any(
                    k.arg == "hide_parameters" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in node.keywords
                )
                calls.append((path.name, node.lineno, hidden))
    assert len(calls) >= 2
    assert [c for c in calls if not c[2]] == []
