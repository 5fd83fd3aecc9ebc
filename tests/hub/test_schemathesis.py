"""Property-based fuzzing of every operation in /openapi.json (schemathesis), over a real socket, with and
without a valid token, valid and invalid inputs: never a 5xx, and the hub stays up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.slow

EXAMPLES = 12  # per operation, mode and auth: bounded so that both databases take seconds, not minutes


@pytest.fixture
def fuzzed_hub(db_url: str) -> Iterator[HubProcess]:
    with HubProcess(db_url) as proc:
        yield proc


def _token(proc: HubProcess, username: str, role: str) -> str:
    code = proc.enrol_code(username, role)
    response = httpx.post(proc.base_url + "/v1/enrol", json={"code": code, "device_name": "fuzz"})
    return str(response.json()["access_token"])


@pytest.mark.parametrize("auth", ["none", "health_visitor", "hub_staff"])
def test_no_server_errors(fuzzed_hub: HubProcess, auth: str) -> None:
    headers = {} if auth == "none" else {"Authorization": f"Bearer {_token(fuzzed_hub, 'fuzz-' + auth, auth)}"}
    schema = schemathesis.openapi.from_url(fuzzed_hub.base_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 9
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                response = case.call(base_url=fuzzed_hub.base_url, headers=headers, timeout=30)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}")
                assert response.status_code < 500, fuzzed_hub.log_text()

            run()
    assert failures == []
    assert httpx.get(fuzzed_hub.base_url + "/healthz").status_code == 200
