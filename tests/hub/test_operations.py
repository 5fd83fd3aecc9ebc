"""What a council's IT team runs the hub by: liveness, readiness, Prometheus metrics, request ids, JSON logs."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
import sqlalchemy as sa

from tests.hub.conftest import Hub, new_case
from tests.support.hubproc import HubProcess


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.startswith(name + "{") and ",".join(sorted(metric[len(name) + 1 : -1].split(","))) == wanted:
            return float(value)
        if metric == name and not labels:
            return float(value)
    return None


def test_liveness_and_readiness(hub: Hub, client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"ok": True}
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"ready": True, "problem": None})
    with hub.db.write() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.json()["problem"] == "the database schema is not this hub's: run python -m hub migrate"
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_readiness_says_when_the_database_does_not_answer(hub: Hub, client: httpx.Client) -> None:
    with hub.db.write() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))
    assert client.get("/readyz").status_code == 503


def test_metrics_count_requests_outcomes_pages_lanes_and_pools(hub: Hub, client: httpx.Client) -> None:
    device = hub.device("hv1")
    assert device.push(new_case())[0]["outcome"] == "applied"
    device.pull_all()
    client.get("/v1/records/" + str(uuid.uuid4()))  # an unknown path: counted without its value
    text = client.get("/metrics").text
    assert _sample(text, "hub_requests_total", method="POST", route="/v1/push", status="200") == 1.0
    assert _sample(text, "hub_requests_total", method="POST", route="/v1/enrol", status="200") == 1.0
    assert _sample(text, "hub_push_outcomes_total", outcome="applied") == 1.0
    assert (_sample(text, "hub_pull_pages_total") or 0) >= 1
    assert (_sample(text, "hub_pull_changes_total") or 0) >= 1
    assert _sample(text, "hub_request_seconds_count", method="POST", route="/v1/push") == 1.0
    assert _sample(text, "hub_lane_waiting", lane="write") == 0.0
    assert _sample(text, "hub_db_pool_checked_out", engine="writer") is not None
    assert "unmatched" in text
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text), "no id in any label"


@pytest.mark.parametrize(
    ("given", "echoed"), [("trace-123_A", True), ("has space", False), ("x" * 65, False), ("", False)]
)
def test_every_answer_carries_a_request_id(client: httpx.Client, given: str, echoed: bool) -> None:
    answer = client.get("/healthz", headers={"X-Request-ID": given} if given else {})
    request_id = answer.headers["x-request-id"]
    assert (request_id == given) is echoed
    if not echoed:
        assert uuid.UUID(request_id)


@pytest.mark.slow
def test_the_hub_process_logs_json_lines_with_request_ids() -> None:
    with HubProcess(extra_args=("--log-level", "info")) as proc:
        code = proc.enrol_code("hv1")
        answer = httpx.post(
            proc.base_url + "/v1/enrol",
            json={"code": code, "device_name": "t"},
            headers={"X-Request-ID": "trace-enrol-1"},
        )
        assert answer.status_code == 200
        proc.stop()
        lines = [line for line in proc.log_text().splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in events)
    request = [e for e in events if e["message"] == "request" and e.get("request_id") == "trace-enrol-1"]
    assert request == [request[0]]
    assert (request[0]["route"], request[0]["status"]) == ("/v1/enrol", 200)
    assert code not in "\n".join(lines)
