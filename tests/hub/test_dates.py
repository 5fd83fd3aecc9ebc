"""The hub refuses dates that cannot be true on every record it takes (the rule is forms._dates, run through
forms.validate_record on every push): a case or a person born in the future, created or updated."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.hub.conftest import Hub, mutation, new_case

FUTURE = (dt.date.today() + dt.timedelta(days=3)).isoformat()


@pytest.mark.parametrize("when", [FUTURE, "2999-01-01", "1850-06-01"])
def test_a_case_or_person_born_when_nobody_can_be_is_rejected(hub: Hub, when: str) -> None:
    device = hub.device("hv1")
    bad_case = new_case({"date_of_birth": when})
    [result] = device.push(bad_case)
    assert result["outcome"] == "rejected"
    assert [i["path"] for i in result["issues"]] == ["date_of_birth"]
    case = new_case({"date_of_birth": "2020-01-01"})
    person = mutation("person", {"name": "Pat Example", "date_of_birth": when}, case_id=case["case_id"])
    created, rejected = device.push(case, person)
    assert created["outcome"] == "applied"
    assert rejected["outcome"] == "rejected"
    update = mutation(
        "case", {"date_of_birth": when}, record_id=case["record_id"], case_id=case["case_id"], base=created["version"]
    )
    [changed] = device.push(update)
    assert changed["outcome"] == "rejected"
    device.pull_all()
    assert device.seen[case["record_id"]]["fields"]["date_of_birth"] == "2020-01-01"
    assert bad_case["record_id"] not in device.seen
    assert person["record_id"] not in device.seen


def test_an_unborn_baby_is_a_case_with_an_expected_date(hub: Hub) -> None:
    device = hub.device("hv1")
    due = (dt.date.today() + dt.timedelta(days=120)).isoformat()
    [result] = device.push(new_case({"unborn_expected_date": due}))
    assert result["outcome"] == "applied", result


def test_hub_staff_cannot_ask_about_a_child_born_in_the_future(hub: Hub) -> None:
    """The CLI's information requests go through the same rule (forms._dates via validate_record)."""
    from hub._errors import AdminError
    from hub._staff import create_request

    hub.user("staff1", "hub_staff")
    ask = {"practice_ods": "A81001", "rag": "red", "questions": ["Known?"], "requested_by": "staff1"}
    with pytest.raises(AdminError, match="cannot be in the future"):
        create_request(hub.db, child={"name": "Alex Example", "date_of_birth": FUTURE}, adults=[], **ask)
    with pytest.raises(AdminError, match="before 1900"):
        create_request(
            hub.db,
            child={"name": "Alex Example"},
            adults=[{"name": "Pat Example", "date_of_birth": "1800-01-01", "relationship": "mother"}],
            **ask,
        )
    made = create_request(hub.db, child={"name": "Alex Example", "date_of_birth": "2020-01-01"}, adults=[], **ask)
    assert made
