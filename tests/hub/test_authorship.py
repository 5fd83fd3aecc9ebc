"""Authorship is the hub's word, not the body's: every author-like field of every record type must name the user
who pushes it, and every record served carries the author the hub attests (user, role, organisation, device)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hub._authorship import AUTHOR_FIELDS, FORM_AUTHOR_FIELDS, _claims
from hub._staff import create_request
from protocol import RecordType
from tests.hub._records import (
    case_fields,
    form_fields,
    info_request_fields,
    referral_fields,
    response_fields,
    stored_request,
    team_response_fields,
)
from tests.hub.conftest import Device, Hub, mutation, new_case

SPECS = Path(__file__).parents[2] / "forms" / "specs"
FORGED = {"display_name": "Someone Else", "username": "staff2", "ods_code": "B82002"}
FORGED_REGISTRATION = {"gmc_number": "7654321", "registration": "98B7654C", "nmc_pin": "98B7654C"}
#: Form fields that ask for the writer's own details which the hub cannot know (it attests role and organisation in
#: ``Author`` instead): anything else a form asks about "you" must be checked against the hub's account.
NOT_ATTESTABLE = {"referrer_role", "referrer_agency", "responder_role_other"}
#: Labels of fields asking who the writer is.
_WHO_WROTE = re.compile(
    r"^(Your (name|role|agency|team's code)|Written by|Recorded by|GMC number|NMC PIN|Practice ODS code)$"
)


@pytest.fixture
def world(hub: Hub) -> dict[str, Any]:
    hv = hub.device("hv1", registration="12A3456E")
    gp = hub.device("gp1", "gp", ods="A81001", registration="7012345")
    nurse = hub.device("gp2", "gp", ods="A81001", registration="12A3456E")  # a practice nurse answering for the GP
    staff = hub.device("staff1", "hub_staff")
    case = new_case()
    assert hv.push(case)[0]["outcome"] == "applied"
    request = create_request(
        hub.db, practice_ods="A81001", child={"name": "C"}, adults=[], rag="red", questions=["q"],
        requested_by="staff1", case_id=case["case_id"],
    )  # fmt: skip
    team_hv = hub.device("teamhv", ods="RA9HV1")
    to_team = create_request(
        hub.db, team=("health_visiting", "RA9HV1"), child={"name": "C"}, adults=[], rag="red", questions=["q"],
        requested_by="staff1", case_id=case["case_id"],
    )  # fmt: skip
    request, to_team = stored_request(hub.db, request["record_id"]), stored_request(hub.db, to_team["record_id"])
    return {"hv": hv, "gp": gp, "nurse": nurse, "staff": staff, "case_id": case["case_id"], "request": request,
            "team_hv": team_hv, "to_team": to_team}  # fmt: skip


def _samples(world: dict[str, Any]) -> list[tuple[str, Device, dict[str, Any]]]:
    """One valid record of every type that has author-like fields, each written by the user it names."""
    case_id, request = world["case_id"], world["request"]
    hv, gp, staff = world["hv"], world["gp"], world["staff"]
    team_fields = team_response_fields(world["to_team"], by="TEAMHV", team="RA9HV1")
    by_nurse = response_fields(request, by="GP2", registration="12A3456E")
    nurse_answers = by_nurse["answers"]
    nurse_answers.pop("gmc_number")
    nurse_answers.update(responder_type="practice_nurse", registration_type="nmc", nmc_pin="12A3456E")
    return [
        ("case", hv, new_case(case_fields(created_by="HV1"))),
        ("note", hv, mutation("note", {"text": "visited", "author": "HV1"}, case_id=case_id)),
        ("hv_concern", hv, mutation("form", form_fields("hv_concern"), case_id=case_id)),
        ("case_note", hv, mutation("form", form_fields("case_note"), case_id=case_id)),
        ("referral", hv, mutation("referral", referral_fields(case_id), case_id=case_id)),
        ("response", gp, mutation("response", response_fields(request), case_id=case_id)),
        ("nurse_response", world["nurse"], mutation("response", by_nurse, case_id=case_id)),
        ("team_response", world["team_hv"], mutation("response", team_fields, case_id=case_id)),
        ("info_request", staff, mutation("info_request", info_request_fields(), case_id=case_id)),
    ]


def _set(value: Any, path: str, new: Any) -> None:
    steps = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for step in steps[:-1]:
        value = value[int(step[1:-1])] if step.startswith("[") else value[step]
    last = steps[-1]
    value[last] = new


def _key(path: str) -> str:
    return re.findall(r"[^.\[\]]+", path)[-1]


def test_every_author_like_field_of_every_record_type_must_name_the_writer(world: dict[str, Any]) -> None:
    exercised: set[tuple[str, str]] = set()
    for name, device, record in _samples(world):
        kind = RecordType(record["record_type"])
        paths = [path for path, _, _ in _claims(kind, record["fields"])]
        assert paths, f"{name}: a sample with no author-like field proves nothing"
        for path in paths:
            key = _key(path)
            source = AUTHOR_FIELDS.get((kind, key)) or FORM_AUTHOR_FIELDS[key]
            forged = json.loads(json.dumps(record))
            forged["mutation_id"] = mutation("note", {})["mutation_id"]
            forged["record_id"] = mutation("note", {})["record_id"]
            if kind == RecordType.CASE:
                forged["case_id"] = forged["record_id"]
            _set(forged["fields"], path, FORGED_REGISTRATION[key] if source == "registration" else FORGED[source])
            answer = device.push(forged)[0]
            assert answer["outcome"] == "rejected", (name, path, answer)
            assert {"path": path, "code": "author_mismatch"} in [
                {"path": i["path"], "code": i["code"]} for i in answer["issues"]
            ], (name, path)
            assert answer["author"] is None
            exercised.add((kind.value, key))
        applied = device.push(record)[0]  # the same record naming its real writer is taken
        assert applied["outcome"] == "applied", (name, applied)
    top_level = {(kind.value, key) for kind, key in AUTHOR_FIELDS}
    assert top_level <= exercised
    assert set(FORM_AUTHOR_FIELDS) <= {key for _, key in exercised}


def test_every_form_field_asking_for_the_writers_own_identity_is_checked() -> None:
    """The list the hub checks is complete for every spec: a field labelled as the writer's name, number or practice
    is in FORM_AUTHOR_FIELDS, unless the hub cannot know it (NOT_ATTESTABLE)."""
    asking: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            label = str(node.get("label", ""))
            if "id" in node and _WHO_WROTE.match(label):
                asking.add(str(node["id"]))
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for spec in SPECS.glob("*.json"):
        walk(json.loads(spec.read_text()))
    assert asking, "no field found: the scan is broken"
    assert asking - NOT_ATTESTABLE <= set(FORM_AUTHOR_FIELDS), asking - NOT_ATTESTABLE - set(FORM_AUTHOR_FIELDS)


def test_every_record_served_carries_the_author_the_hub_attests(hub: Hub, world: dict[str, Any]) -> None:
    writers: dict[str, Device] = {}
    for _name, device, record in _samples(world):
        answer = device.push(record)[0]
        assert answer["outcome"] == "applied"
        assert answer["author"]["user_id"] == device.creds["user"]["user_id"]
        assert device.push(record)[0] == answer  # a replay carries it too
        writers[record["record_id"]] = device
    staff = world["staff"]
    served = {c["record_id"]: c for c in staff.pull_all()}
    assert set(writers) <= set(served)
    for record_id, device in writers.items():
        author = served[record_id]["hub"]["author"]
        user = device.creds["user"]
        assert author == {
            "user_id": user["user_id"],
            "display_name": user["display_name"],
            "role": user["role"],
            "organisation": user["organisation"],
            "ods_code": user["ods_code"],
            "registration": {"hv1": "12A3456E", "gp1": "7012345", "gp2": "12A3456E"}.get(user["username"]),
            "device_id": device.creds["device_id"],
        }
    # Written on the hub itself (hub staff's tools): the staff member, no device.
    request = served[world["request"]["record_id"]]["hub"]["author"]
    assert request["display_name"] == "STAFF1"
    assert request["device_id"] is None
    # Every record served has one.
    assert all(change["hub"]["author"] for change in served.values())


def test_who_wrote_a_case_cannot_be_changed_by_an_update(world: dict[str, Any]) -> None:
    hv = world["hv"]
    case = new_case(case_fields(created_by="HV1"))
    hv.push(case)
    edit = mutation("case", {"created_by": "HV1 "}, record_id=case["record_id"], base=1)
    answer = hv.push(edit)[0]
    assert answer["outcome"] == "rejected"
    assert answer["issues"][0]["code"] == "author_fixed"


def test_a_registration_number_is_checked_only_against_one_on_file(hub: Hub) -> None:
    """A user with no number on file: the form's number is their word, and the attested author says none."""
    device = hub.device("hv9")
    case = new_case()
    device.push(case)
    form = mutation("form", form_fields("hv_concern", by="HV9"), case_id=case["case_id"])
    answer = device.push(form)[0]
    assert answer["outcome"] == "applied"
    assert answer["author"]["registration"] is None
