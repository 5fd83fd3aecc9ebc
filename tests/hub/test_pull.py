"""Pull: seq order, pages, cursors, latest state only, hub-side changes (status, assignment) reaching devices."""

from __future__ import annotations

import sqlalchemy as sa

from hub._admin import assign_case
from hub._staff import create_request, move_referral
from hub._tables import records
from tests.hub.conftest import Hub, mutation, new_case, new_referral


def test_pages_in_seq_order_with_more_and_cursor(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    notes = [mutation("note", {"text": f"n{i}"}, case_id=case["case_id"]) for i in range(7)]
    device.push(case, *notes)
    other = hub.device("hv1")  # a second device of the same user starts from 0
    seqs, pages, cursor = [], 0, 0
    while True:
        page = other.client.get("/v1/pull", params={"cursor": cursor, "limit": 3}, headers=other.headers).json()
        pages += 1
        seqs += [c["seq"] for c in page["changes"]]
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert pages == 3
    assert seqs == sorted(seqs)
    assert len(seqs) == 8


def test_pull_returns_the_latest_state_once(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "A"})
    device.push(case)
    device.push(mutation("case", {"child_name": "B"}, record_id=case["record_id"], base=1))
    device.push(mutation("case", {"child_name": "C"}, record_id=case["record_id"], base=2))
    changes = device.pull_all()
    assert [(c["version"], c["fields"]["child_name"]) for c in changes] == [(3, "C")]


def test_an_empty_pull_moves_the_cursor_past_invisible_changes(hub: Hub) -> None:
    hv1, hv2 = hub.device("hv1"), hub.device("hv2")
    hv1.push(new_case(), new_case())
    with hub.db.read() as conn:
        top = conn.execute(sa.select(sa.func.max(records.c.seq))).scalar_one()
    body = hv2.sync().json()
    assert body["changes"] == []
    assert body["cursor"] >= top  # the two changes hv2 may not see are behind it now
    assert hv2.sync(cursor=body["cursor"]).json()["cursor"] >= body["cursor"]


def test_referral_status_moves_reach_the_referrer(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    referral = new_referral(case["case_id"])
    receipt = device.push(case, referral)[1]["receipt"]
    device.pull_all()
    move_referral(hub.db, receipt["hub_reference"], "triaged")
    [change] = device.pull_all()
    assert change["record_id"] == referral["record_id"]
    assert change["hub"]["status"] == "triaged"
    assert change["version"] == 1  # the record itself did not change
    move_referral(hub.db, referral["record_id"], "outcome_recorded")
    assert device.pull_all()[0]["hub"]["status"] == "outcome_recorded"


def test_assignment_brings_the_whole_case_to_the_assignee(hub: Hub) -> None:
    owner, nurse = hub.device("hv1"), hub.device("nurse1", "school_nurse")
    case = new_case()
    note = mutation("note", {"text": "seen"}, case_id=case["case_id"])
    owner.push(case, note)
    assert nurse.pull_all() == []  # and the nurse's cursor is now past the case
    assert assign_case(hub.db, case["case_id"], "nurse1") == 2
    assert {c["record_id"] for c in nurse.pull_all()} == {case["record_id"], note["record_id"]}
    # The assignee may now write to the case.
    edit = mutation("case", {"school": "Hill"}, record_id=case["record_id"], base=1)
    assert nurse.push(edit)[0]["outcome"] == "applied"


def test_info_request_reaches_the_practice(hub: Hub) -> None:
    hub.user("staff1", "hub_staff")
    gp = hub.device("gp1", "gp", ods="A81001")
    made = create_request(
        hub.db,
        practice_ods="A81001",
        child={"name": "Alex", "date_of_birth": "2024-01-01", "nhs_number": "9434765919"},
        adults=[{"name": "Jo", "date_of_birth": "1990-01-01", "relationship": "mother"}],
        rag="red",
        questions=["Known to the practice?"],
        requested_by="staff1",
    )
    [change] = gp.pull_all()
    assert change["record_type"] == "info_request"
    fields = change["fields"]
    assert fields["reference"] == made["reference"]
    assert fields["rag"] == "red"
    assert set(fields) == {
        "reference", "rag", "deadline", "practice_ods", "child", "adults", "questions", "requested_by"
    }  # fmt: skip
