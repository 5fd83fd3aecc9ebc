"""A stored answer belongs to the user who sent the mutation first: nobody else gets it back by replaying its id."""

from __future__ import annotations

import json

from tests.hub.conftest import Hub, new_case, new_referral


def test_a_mutation_replayed_by_another_user_gets_a_refusal_that_reveals_nothing(hub: Hub) -> None:
    owner = hub.device("hv1")
    case = new_case({"child_name": "Canary Childname"})
    referral = new_referral(case["case_id"])
    first = owner.push(case, referral)
    assert [r["outcome"] for r in first] == ["applied", "applied"]
    other = hub.device("hv2")
    answers = other.push(case, referral)
    assert [a["outcome"] for a in answers] == ["rejected", "rejected"]
    assert {a["issues"][0]["code"] for a in answers} == {"mutation_reused"}
    text = json.dumps(answers)
    assert "Canary" not in text
    assert all(a["receipt"] is None and a["fields"] is None for a in answers)
    assert first[1]["receipt"]["hub_reference"] not in text


def test_another_payload_under_someone_elses_id_gets_the_same_refusal(hub: Hub) -> None:
    owner = hub.device("hv1")
    case = new_case({"child_name": "Alex"})
    owner.push(case)
    other = hub.device("hv2")
    same = other.push(case)[0]
    forged = other.push({**case, "fields": {**case["fields"], "child_name": "Sam"}})[0]
    assert same["issues"] == forged["issues"]  # nothing tells whether the guess of the payload was right


def test_the_same_user_on_a_new_device_still_gets_the_first_answer(hub: Hub) -> None:
    first_device = hub.device("hv1")
    case = new_case()
    first = first_device.push(case)
    again = hub.device("hv1")  # re-enrolled: a new device of the same user carries on with the same outbox
    assert again.creds["device_id"] != first_device.creds["device_id"]
    assert again.push(case) == first
