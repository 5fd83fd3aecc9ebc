"""Information requests to health visiting and school nursing teams: the team's members pull them and answer with
the team's form; another team, a member of the other kind of team, a GP and the case's own health visitor cannot."""

from __future__ import annotations

from typing import Any

import pytest

from hub._staff import create_request
from hub._tables import records
from tests.hub._records import response_fields, stored_request, team_response_fields
from tests.hub.conftest import Device, Hub, mutation, new_case


@pytest.fixture
def world(hub: Hub) -> dict[str, Any]:
    devices = {
        "hv1": hub.device("hv1"),  # holds the case, in no team
        "team_hv": hub.device("teamhv", "health_visitor", ods="RA9HV1"),
        "other_hv": hub.device("otherhv", "health_visitor", ods="RA9HV2"),
        "same_code_nurse": hub.device("samenurse", "school_nurse", ods="RA9HV1"),  # the code, not the kind
        "team_gp": hub.device("teamgp", "gp", ods="A81001"),
        "staff1": hub.device("staff1", "hub_staff"),
    }
    case = new_case()
    devices["hv1"].push(case)
    ask = {"child": {"name": "C1"}, "adults": [], "rag": "amber", "questions": ["q"], "requested_by": "staff1"}
    to_team = create_request(hub.db, team=("health_visiting", "RA9HV1"), case_id=case["case_id"], **ask)
    # A school nursing team whose code is a GP practice's: the practice's GP still never reads it.
    to_nurses = create_request(hub.db, team=("school_nursing", "A81001"), case_id=case["case_id"], **ask)
    return {"devices": devices, "case": case, "to_team": to_team, "to_nurses": to_nurses}


def _ids(device: Device) -> set[str]:
    device.cursor = 0
    return {c["record_id"] for c in device.pull_all()}


def test_only_the_teams_members_pull_its_requests(hub: Hub, world: dict[str, Any]) -> None:
    d, to_team = world["devices"], world["to_team"]["record_id"]
    assert _ids(d["team_hv"]) == {to_team}
    assert _ids(d["other_hv"]) == set()
    assert _ids(d["same_code_nurse"]) == set()
    assert _ids(d["team_gp"]) == set()
    assert _ids(d["hv1"]) == {world["case"]["record_id"]}  # the case's own health visitor: Caldicott
    nurses = hub.device("nurseteam", "school_nurse", ods="A81001")
    assert _ids(nurses) == {world["to_nurses"]["record_id"]}
    assert {to_team, world["to_nurses"]["record_id"]} <= _ids(d["staff1"])


def test_a_member_answers_with_the_team_form_and_nobody_else_can(hub: Hub, world: dict[str, Any]) -> None:
    d, req = world["devices"], stored_request(hub.db, world["to_team"]["record_id"])
    case_id = req["case_id"]
    refused = {
        "other_hv": team_response_fields(req, "OTHERHV", "RA9HV2"),
        "same_code_nurse": team_response_fields(req, "SAMENURSE", "RA9HV1"),
        "team_gp": response_fields(req, by="TEAMGP", ods="A81001"),
        "hv1": team_response_fields(req, "HV1", "RA9HV1"),
    }
    for name, fields in refused.items():
        [answer] = d[name].push(mutation("response", fields, case_id=case_id))
        assert answer["outcome"] == "forbidden", name
    [wrong] = d["team_hv"].push(mutation("response", response_fields(req, by="TEAMHV", ods="RA9HV1"), case_id=case_id))
    assert (wrong["outcome"], wrong["issues"][0]["code"]) == ("rejected", "wrong_form")
    answer = mutation("response", team_response_fields(req, "TEAMHV", "RA9HV1"), case_id=case_id)
    [ok] = d["team_hv"].push(answer)
    assert ok["outcome"] == "applied", ok
    assert ok["receipt"]["hub_reference"].startswith("MASH-")
    assert answer["record_id"] in _ids(d["team_hv"])
    assert answer["record_id"] in _ids(d["staff1"])
    for name in ("other_hv", "same_code_nurse", "team_gp", "hv1"):
        assert answer["record_id"] not in _ids(d[name]), name


def test_a_gp_answers_only_with_the_gp_form(hub: Hub, world: dict[str, Any]) -> None:
    gp_request = create_request(
        hub.db, practice_ods="A81001", child={"name": "C1"}, adults=[], rag="red", questions=["q"],
        requested_by="staff1", case_id=world["case"]["case_id"],
    )  # fmt: skip
    gp = world["devices"]["team_gp"]
    asked = stored_request(hub.db, gp_request["record_id"])
    fields = team_response_fields(asked, "TEAMGP", "A81001")
    [wrong] = gp.push(mutation("response", fields, case_id=gp_request["case_id"]))
    assert (wrong["outcome"], wrong["issues"][0]["code"]) == ("rejected", "wrong_form")
    fields = response_fields(asked, by="TEAMGP", ods="A81001")
    assert gp.push(mutation("response", fields, case_id=gp_request["case_id"]))[0]["outcome"] == "applied"


def test_a_team_request_names_one_recipient(hub: Hub) -> None:
    from hub._errors import AdminError

    ask = {"child": {"name": "C1"}, "adults": [], "rag": "amber", "questions": ["q"], "requested_by": "staff1"}
    hub.user("staff1", "hub_staff")
    with pytest.raises(AdminError, match="one of them"):
        create_request(hub.db, practice_ods="A81001", team=("health_visiting", "RA9HV1"), **ask)
    with pytest.raises(AdminError, match="a team is one of"):
        create_request(hub.db, team=("midwifery", "RA9HV1"), **ask)
    with pytest.raises(AdminError, match="team"):
        create_request(hub.db, team=("health_visiting", "no"), **ask)  # the record's model checks the code
    made = create_request(hub.db, team=("school_nursing", "ra9sn1"), **ask)
    assert made["team"] == {"kind": "school_nursing", "code": "RA9SN1"}
    assert "practice_ods" not in made
    with hub.db.read() as conn:
        row = conn.execute(records.select().where(records.c.record_id == made["record_id"])).one()
    assert (row.team, row.team_role, row.practice_ods) == ("RA9SN1", "school_nurse", None)


def test_a_health_visitors_team_code_is_checked(hub: Hub) -> None:
    from hub._errors import AdminError

    with pytest.raises(AdminError, match="team's code"):
        hub.user("hvbad", "health_visitor", ods="not a code")
    with pytest.raises(AdminError, match="only for GPs, health visitors and school nurses"):
        hub.user("staffteam", "hub_staff", ods="RA9HV1")


def test_what_the_mash_already_knows_and_the_dashboard_name_the_team(hub: Hub, world: dict[str, Any]) -> None:
    from hub._commissioning import _answer_times
    from hub._known import _open_requests

    case_id = world["case"]["case_id"]
    with hub.db.read() as conn:
        open_now = _open_requests(conn, {case_id})
        times = {name: (n, answered) for name, n, answered, _ in _answer_times(conn, None)}
    assert open_now == [
        (world["to_team"]["reference"], "Health visiting team RA9HV1"),
        (world["to_nurses"]["reference"], "School nursing team A81001"),
    ]
    assert times == {"Health visiting team RA9HV1": (1, 0), "School nursing team A81001": (1, 0)}
