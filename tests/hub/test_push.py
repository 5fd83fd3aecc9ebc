"""Push: outcomes, exactly-once, append-only, validation, receipts; one bad mutation never blocks the batch."""

from __future__ import annotations

import sqlalchemy as sa

from hub._tables import mutations, records
from protocol import MAX_STRING_LENGTH, content_hash
from tests.hub._records import case_fields, referral_fields
from tests.hub.conftest import Hub, mutation, new_case, new_id, new_referral


def _count(hub: Hub, table: sa.Table) -> int:
    with hub.db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_create_is_applied_at_version_1_and_pulled_back(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "Alex"})
    body = device.sync(case).json()
    assert [r["outcome"] for r in body["results"]] == ["applied"]
    assert body["results"][0]["version"] == 1
    assert [(c["record_id"], c["version"], c["fields"]) for c in body["changes"]] == [
        (case["record_id"], 1, case_fields(child_name="Alex"))
    ]
    assert body["cursor"] >= body["changes"][0]["seq"]  # up to the horizon: on PostgreSQL past the last seq


def test_replay_returns_the_stored_answer_and_stores_nothing_new(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    referral = new_referral(case["case_id"])
    first = device.push(case, referral)
    before = (_count(hub, records), _count(hub, mutations))
    second = device.push(case, referral)
    assert second == first
    assert (_count(hub, records), _count(hub, mutations)) == before


def test_same_mutation_id_with_another_payload_is_refused_and_the_rest_applies(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "Alex"})
    device.push(case)
    forged = {**case, "fields": case_fields(child_name="Someone else")}
    note = mutation("note", {"text": "visited"}, case_id=case["case_id"])
    results = device.push(forged, note)
    assert results[0]["outcome"] == "rejected"
    assert results[0]["issues"][0]["code"] == "mutation_reused"
    assert results[1]["outcome"] == "applied"
    with hub.db.read() as conn:
        stored = conn.execute(sa.select(records.c.fields).where(records.c.record_id == case["record_id"])).scalar_one()
    assert "Alex" in stored


def test_create_of_an_existing_record_with_another_mutation_is_rejected(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    device.push(case)
    again = {**case, "mutation_id": new_id()}
    [result] = device.push(again)
    assert result["outcome"] == "rejected"
    assert result["issues"][0]["code"] == "record_exists"


def test_append_only_records_cannot_change(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    note = mutation("note", {"text": "first"}, case_id=case["case_id"])
    device.push(case, note)
    edit = mutation("note", {"text": "changed"}, case_id=case["case_id"], record_id=note["record_id"], base=1)
    [result] = device.push(edit)
    assert result["outcome"] == "rejected"
    assert result["issues"][0]["code"] == "append_only"
    addendum = mutation("note", {"text": "correction", "addendum_to": note["record_id"]}, case_id=case["case_id"])
    assert device.push(addendum)[0]["outcome"] == "applied"


def test_update_of_unknown_record_and_future_base_are_rejected(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    device.push(case)
    unknown = mutation("person", {"name": "X"}, case_id=case["case_id"], base=3)
    ahead = mutation("case", {"child_name": "Y"}, record_id=case["record_id"], base=9)
    results = device.push(unknown, ahead)
    assert [r["issues"][0]["code"] for r in results] == ["unknown_record", "bad_base_version"]


def test_record_type_or_case_cannot_be_switched(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    person = mutation("person", {"name": "P"}, case_id=case["case_id"])
    device.push(case, person)
    other_case = new_case()
    device.push(other_case)
    moved = mutation("person", {"name": "Q"}, case_id=other_case["case_id"], record_id=person["record_id"], base=1)
    [result] = device.push(moved)
    assert result["issues"][0]["code"] == "record_mismatch"


def test_invalid_record_is_rejected_with_issues_and_never_stored(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "x" * (MAX_STRING_LENGTH + 1)})
    [result] = device.push(case)
    assert result["outcome"] == "rejected"
    assert result["issues"][0]["code"] == "too_long"
    assert result["issues"][0]["path"] == "child_name"
    assert _count(hub, records) == 0


def test_case_record_must_be_its_own_case(hub: Hub) -> None:
    device = hub.device("hv1")
    bad = mutation("case", {"child_name": "A"}, case_id=new_id())
    assert device.push(bad)[0]["issues"][0]["code"] == "case_id_mismatch"


def test_referral_gets_a_receipt_routing_and_status(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case()
    fields = referral_fields(case["case_id"])
    referral = mutation("referral", fields, case_id=case["case_id"])
    body = device.sync(case, referral).json()
    receipt = body["results"][1]["receipt"]
    assert receipt["hub_reference"].startswith("MASH-")
    assert receipt["content_hash"] == content_hash(fields)
    change = next(c for c in body["changes"] if c["record_id"] == referral["record_id"])
    assert change["hub"]["receipt"] == receipt
    assert change["hub"]["status"] == "received"
    with hub.db.read() as conn:
        routed = conn.execute(
            sa.select(records.c.routed_to).where(records.c.record_id == referral["record_id"])
        ).scalar_one()
    assert routed == "Torbay Council (E06000027)"
    # A replay carries the same receipt: proof of the same share, not a new one.
    assert device.push(referral)[0]["receipt"] == receipt


def test_mutable_update_on_current_base_is_applied(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "Alex", "postcode": "EX1 1AA"})
    device.push(case)
    edit = mutation("case", {"postcode": "TQ1 1AA"}, record_id=case["record_id"], base=1)
    [result] = device.push(edit)
    assert (result["outcome"], result["version"]) == ("applied", 2)
    device.pull_all()
    assert device.seen[case["record_id"]]["fields"] == case_fields(child_name="Alex", postcode="TQ1 1AA")


def test_a_change_that_changes_nothing_makes_no_version(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "Alex"})
    device.push(case)
    same = mutation("case", {"child_name": "Alex"}, record_id=case["record_id"], base=1)
    [result] = device.push(same)
    assert (result["outcome"], result["version"]) == ("applied", 1)


def test_create_then_edits_of_the_same_record_in_one_batch(hub: Hub) -> None:
    device = hub.device("hv1")
    case = new_case({"child_name": "A"})
    rid = case["record_id"]
    edit1 = mutation("case", {"school": "Hill"}, record_id=rid, base=1)
    edit2 = mutation("case", {"postcode": "TQ1 2AB"}, record_id=rid, base=1)  # stale base, disjoint: merged
    note = mutation("note", {"text": "seen"}, case_id=rid)
    results = device.push(case, edit1, edit2, note)
    assert [(r["outcome"], r["version"]) for r in results] == [
        ("applied", 1),
        ("applied", 2),
        ("merged", 3),
        ("applied", 1),
    ]
    changes = device.pull_all()
    assert [c["record_id"] for c in changes] == [rid, note["record_id"]]  # seq order: the case's last change first
    assert changes[0]["fields"] == case_fields(child_name="A", school="Hill", postcode="TQ1 2AB")
    assert changes[0]["version"] == 3


def test_forms_validation_rejects_with_its_issues(hub: Hub) -> None:
    device = hub.device("hv1")
    no_nhs = mutation("case", {"child_name": "Alex"})  # neither an NHS number nor "not known"
    bad_postcode = new_case({"postcode": "not a postcode"})
    results = device.push(no_nhs, bad_postcode)
    assert [r["outcome"] for r in results] == ["rejected", "rejected"]
    assert results[0]["issues"][0]["code"] == "nhs_number_or_not_known"
    assert results[1]["issues"][0]["path"] == "postcode"
    assert _count(hub, records) == 0
    case = new_case()
    device.push(case)
    [partial] = device.push(mutation("case", {"postcode": "nowhere"}, record_id=case["record_id"], base=1))
    assert partial["outcome"] == "rejected"
    assert partial["issues"][0]["path"] == "postcode"
