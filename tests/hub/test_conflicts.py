"""Three-way merge at the hub: disjoint edits merge, same-field edits conflict with base / mine / theirs."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from hub._tables import conflicts
from tests.hub._records import case_fields
from tests.hub.conftest import Device, Hub, mutation, new_case


def _shared_case(hub: Hub) -> tuple[dict[str, Any], Device, Device]:
    a = hub.device("hv1")
    b = hub.device("staff1", "hub_staff")  # staff may edit any case: a second writer on the same record
    case = new_case({"child_name": "Alex", "postcode": "EX1 1AA", "school": "St Mary's"})
    a.push(case)
    return case, a, b


def test_disjoint_fields_merge(hub: Hub) -> None:
    case, a, b = _shared_case(hub)
    [theirs] = b.push(mutation("case", {"postcode": "TQ1 1AA"}, record_id=case["record_id"], base=1))
    assert theirs["version"] == 2
    [mine] = a.push(mutation("case", {"school": "Hill Primary"}, record_id=case["record_id"], base=1))
    assert mine["outcome"] == "merged"
    assert mine["version"] == 3
    assert mine["fields"] == case_fields(child_name="Alex", postcode="TQ1 1AA", school="Hill Primary")


def test_same_field_conflict_keeps_the_hub_value_and_records_base_mine_theirs(hub: Hub) -> None:
    case, a, b = _shared_case(hub)
    b.push(mutation("case", {"postcode": "TQ1 1AA"}, record_id=case["record_id"], base=1))
    clash = mutation("case", {"postcode": "PL1 1AA", "school": "Hill"}, record_id=case["record_id"], base=1)
    [result] = a.push(clash)
    assert result["outcome"] == "conflict"
    assert result["version"] == 2
    assert result["conflicts"] == [{"field": "postcode", "base": "EX1 1AA", "mine": "PL1 1AA", "theirs": "TQ1 1AA"}]
    assert result["fields"]["postcode"] == "TQ1 1AA"
    assert result["fields"]["school"] == "St Mary's"  # nothing of a conflicting edit is applied
    with hub.db.read() as conn:
        row = conn.execute(sa.select(conflicts)).one()
    assert row.mutation_id == clash["mutation_id"]
    assert (row.base_version, row.hub_version) == (1, 2)
    assert json.loads(row.fields)[0]["mine"] == "PL1 1AA"
    # The user resolves by sending a new mutation on the current version.
    [resolved] = a.push(
        mutation("case", {"postcode": "PL1 1AA", "school": "Hill"}, record_id=case["record_id"], base=2)
    )
    assert (resolved["outcome"], resolved["version"]) == ("applied", 3)


def test_same_value_on_both_sides_is_no_conflict(hub: Hub) -> None:
    case, a, b = _shared_case(hub)
    b.push(mutation("case", {"postcode": "TQ1 1AA"}, record_id=case["record_id"], base=1))
    [result] = a.push(mutation("case", {"postcode": "TQ1 1AA"}, record_id=case["record_id"], base=1))
    assert result["outcome"] == "merged"
    assert result["version"] == 2
