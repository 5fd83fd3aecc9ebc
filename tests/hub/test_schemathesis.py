"""Property-based fuzzing of every operation in /openapi.json (schemathesis), over a real socket, with and
without a valid token, valid and invalid inputs, random and at the schema's boundaries: never a 5xx, and the hub
stays up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.support.fuzz import examples
from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.slow

# Random examples per operation, generation mode and auth; `make fuzz` runs many more. Sized with a planted fault (a
# 5xx for an enrolment device name over 80 characters): random examples missed it at 12 and at 25 per operation, so
# every run also sends the schema's boundary cases (the coverage loop below), which find it every time.
EXAMPLES = examples(ci=15, deep=500)


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
        # Then the schema's boundaries, deterministically (schemathesis' coverage phase: lengths at and past each
        # limit, every enum value, missing and extra fields). Random examples rarely reach a 100-character string.
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        config = schema.config.generation_for(operation=operation)
        for case in schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=config):
            response = case.call(base_url=fuzzed_hub.base_url, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}")
    assert failures == []
    assert httpx.get(fuzzed_hub.base_url + "/healthz").status_code == 200
