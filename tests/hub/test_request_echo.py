"""A GP's answer repeats the request it answers (reference, priority, deadline, child, questions, one answer per
question): the hub checks that copy against the request it holds, so a device cannot answer a softer question or
a later deadline than the MASH asked. A copy the MASH has since moved on (a re-rating moved the deadline while the
GP's draft held the one they were given) is still the request's own, and is accepted."""

from __future__ import annotations

import copy
import datetime as dt
import time
from typing import Any

import pytest
import sqlalchemy as sa

from hub._deadlines import revise_request
from hub._staff import create_request
from hub._tables import records, users
from tests.hub._records import response_fields
from tests.hub.conftest import Device, Hub, mutation, new_case


@pytest.fixture
def asked(hub: Hub) -> tuple[Device, dict[str, Any]]:
    """A GP's device holding the request it pulled (two questions, red)."""
    hv, gp = hub.device("hv1"), hub.device("gp1", "gp", ods="A81001")
    hub.user("staff1", "hub_staff")
    case = new_case()
    assert hv.push(case)[0]["outcome"] == "applied"
    create_request(
        hub.db, practice_ods="A81001", child={"name": "Alex Example", "nhs_number": "9434765919"}, adults=[],
        rag="red", questions=["Known to the practice?", "Any A&E attendances?"], requested_by="staff1",
        case_id=case["case_id"],
    )  # fmt: skip
    [request] = [c for c in gp.pull_all() if c["record_type"] == "info_request"]
    return gp, request


def _responses(hub: Hub) -> int:
    with hub.db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(records.c.record_type == "response")).scalar_one())


def _push(gp: Device, request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    [result] = gp.push(mutation("response", answer, case_id=request["case_id"]))
    return result


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda a: a.update(request_rag="green"), "answers.request_rag"),
        (lambda a: a.update(request_deadline="2027-01-30T14:00:00+00:00"), "answers.request_deadline"),
        (lambda a: a.update(request_child="Someone Else"), "answers.request_child"),
        (
            lambda a: a["question_answers"][1].update(question="Anything at all?"),
            "answers.question_answers[1].question",
        ),
        (lambda a: a["question_answers"].pop(), "answers.question_answers"),
    ],
    ids=["priority", "deadline", "child", "question", "question left out"],
)
def test_an_answer_that_changes_what_was_asked_is_refused_and_not_stored(
    hub: Hub, asked: tuple[Device, dict[str, Any]], change: Any, path: str
) -> None:
    gp, request = asked
    answer = response_fields(request)
    change(answer["answers"])
    result = _push(gp, request, answer)
    assert result["outcome"] == "rejected"
    assert [(i["path"], i["code"]) for i in result["issues"]] == [(path, "not_as_requested")]
    assert "cannot be changed" in result["issues"][0]["message"] or "each question" in result["issues"][0]["message"]
    assert _responses(hub) == 0
    assert _push(gp, request, response_fields(request))["outcome"] == "applied"  # the true copy is taken
    assert _responses(hub) == 1


def test_a_copy_of_an_earlier_version_is_the_requests_own(hub: Hub, asked: tuple[Device, dict[str, Any]]) -> None:
    gp, request = asked
    drafted = response_fields(request)  # the GP's draft holds the deadline they were given
    later = dt.datetime.fromisoformat(request["fields"]["deadline"]) + dt.timedelta(hours=20)
    with hub.db.write() as conn:  # the MASH re-rates: the request's deadline moves (a new version)
        staff = conn.execute(sa.select(users.c.user_id).where(users.c.username == "staff1")).scalar_one()
        revise_request(conn, request["record_id"], {"deadline": later.isoformat()}, time.time(), staff)
    invented = copy.deepcopy(drafted)
    invented["answers"]["request_deadline"] = (later + dt.timedelta(days=3)).isoformat()
    refused = _push(gp, request, invented)
    assert (refused["outcome"], refused["issues"][0]["path"]) == ("rejected", "answers.request_deadline")
    assert _push(gp, request, drafted)["outcome"] == "applied"
    with hub.db.read() as conn:
        stored = conn.execute(sa.select(records.c.fields).where(records.c.record_type == "response")).scalar_one()
    assert request["fields"]["deadline"] in stored  # stored as the GP saw it
