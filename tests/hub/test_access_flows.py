"""Access through the hub's API: holding several cases, claiming cases, a school nurse's referral, the GP filter."""

from __future__ import annotations

import pytest

from hub._admin import assign_case
from hub._staff import create_request
from tests.hub._records import case_fields, info_request_fields, referral_fields, response_fields, stored_request
from tests.hub.conftest import Device, Hub, mutation, new_case, new_id, new_referral


def _pulled(device: Device) -> set[str]:
    device.cursor = 0
    return {c["record_id"] for c in device.pull_all()}


def _outcome(device: Device, m: dict[str, object]) -> str:
    [result] = device.push(m)
    return str(result["outcome"])


def test_a_caseworker_with_two_cases_pulls_both(hub: Hub) -> None:
    hv1, staff = hub.device("hv1"), hub.device("staff1", "hub_staff")
    own = new_case()
    own_note = mutation("note", {"text": "visited"}, case_id=own["case_id"])
    assert [r["outcome"] for r in hv1.push(own, own_note)] == ["applied", "applied"]
    given = new_case()
    given_note = mutation("note", {"text": "from the hub"}, case_id=given["case_id"])
    assert [r["outcome"] for r in staff.push(given, given_note)] == ["applied", "applied"]
    assert _pulled(hv1) == {own["record_id"], own_note["record_id"]}
    assert assign_case(hub.db, given["case_id"], "hv1") == 2
    assert _pulled(hv1) == {own["record_id"], own_note["record_id"], given["record_id"], given_note["record_id"]}


def test_a_case_someone_else_holds_cannot_be_claimed(hub: Hub) -> None:
    hv1, hv2 = hub.device("hv1"), hub.device("hv2")
    case = new_case()
    hv1.push(case)
    assert _outcome(hv2, mutation("note", {"text": "mine now"}, case_id=case["case_id"])) == "forbidden"
    edit = mutation("case", {"school": "x"}, record_id=case["record_id"], base=1)
    assert _outcome(hv2, edit) == "forbidden"
    assert _outcome(hv2, new_referral(case["case_id"])) == "forbidden"
    assert _pulled(hv2) == set()
    assert _outcome(hv1, mutation("note", {"text": "still mine"}, case_id=case["case_id"])) == "applied"


def test_a_case_hub_staff_created_is_nobody_s_to_claim_until_assigned(hub: Hub) -> None:
    hv1, staff = hub.device("hv1"), hub.device("staff1", "hub_staff")
    case = new_case()
    assert _outcome(staff, case) == "applied"
    note = mutation("note", {"text": "claim"}, case_id=case["case_id"])
    assert _outcome(hv1, note) == "forbidden"
    assert _pulled(hv1) == set()
    assign_case(hub.db, case["case_id"], "hv1")
    assert _outcome(hv1, mutation("note", {"text": "assigned"}, case_id=case["case_id"])) == "applied"


def test_the_first_writer_of_a_new_case_holds_it(hub: Hub) -> None:
    hv1, hv2 = hub.device("hv1"), hub.device("hv2")
    case_id = new_id()
    first = mutation("note", {"text": "first"}, case_id=case_id)
    assert _outcome(hv1, first) == "applied"
    assert _outcome(hv2, mutation("note", {"text": "second"}, case_id=case_id)) == "forbidden"
    assert _pulled(hv1) == {first["record_id"]}
    assert _pulled(hv2) == set()


def test_a_school_nurse_pushes_a_referral_on_her_own_case_only(hub: Hub) -> None:
    nurse, hv1 = hub.device("nurse1", "school_nurse"), hub.device("hv1")
    case = new_case({"postcode": "TQ1 2AB"})
    referral = new_referral(case["case_id"], by="NURSE1")
    created, sent = nurse.push(case, referral)
    assert (created["outcome"], sent["outcome"]) == ("applied", "applied")
    assert sent["receipt"]["hub_reference"].startswith("MASH-")
    assert _pulled(nurse) == {case["record_id"], referral["record_id"]}
    others = new_case()
    hv1.push(others)
    assert _outcome(nurse, new_referral(others["case_id"], by="NURSE1")) == "forbidden"


@pytest.mark.parametrize("record_type", ["case", "person", "note", "form", "referral", "info_request"])
def test_a_gp_writes_responses_only(hub: Hub, record_type: str) -> None:
    gp = hub.device("gp1", "gp", ods="A81001")
    case_id = new_id()
    fields = {
        "case": case_fields(),
        "person": {"name": "Sam"},
        "note": {"text": "x"},
        "form": {"text": "x"},
        "referral": referral_fields(case_id),
        "info_request": info_request_fields(),
    }[record_type]
    m = mutation(record_type, fields, case_id=case_id)
    [result] = gp.push(m)
    assert result["outcome"] == "forbidden"
    assert result["issues"][0]["path"] == "record_type"


def test_a_gp_pulls_the_requests_to_the_practice_and_their_answers_only(hub: Hub) -> None:
    hv1, gp = hub.device("hv1"), hub.device("gp1", "gp", ods="A81001")
    hub.user("staff1", "hub_staff")
    case = new_case()
    note = mutation("note", {"text": "visited"}, case_id=case["case_id"])
    referral = new_referral(case["case_id"])
    hv1.push(case, note, referral)
    request = create_request(hub.db, practice_ods="A81001", child={"name": "C"}, adults=[], rag="red", questions=["q"],
                             requested_by="staff1", case_id=case["case_id"])  # fmt: skip
    elsewhere = create_request(hub.db, practice_ods="B82002", child={"name": "C"}, adults=[], rag="red",
                               questions=["q"], requested_by="staff1", case_id=case["case_id"])  # fmt: skip
    answer = mutation(
        "response", response_fields(stored_request(hub.db, request["record_id"])), case_id=case["case_id"]
    )
    assert _outcome(gp, answer) == "applied"
    assert _pulled(gp) == {request["record_id"], answer["record_id"]}
    assert elsewhere["record_id"] not in _pulled(gp)
    assert _pulled(hv1) == {case["record_id"], note["record_id"], referral["record_id"]}  # Caldicott: not the GP's
