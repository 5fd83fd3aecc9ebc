from __future__ import annotations

import json
from uuid import UUID

from fieldapp._services import Services
from fieldapp.state.case import CaseState, check_demographics, create_case
from fieldapp.state.caseload import CaseloadState, status_text
from fieldapp.state.note import NoteState
from sync import Progress, SyncState, SyncStatus

CHILD = {
    "child_name": "Poppy Canary",
    "nhs_number": "943 476 5919",
    "postcode": "tq1 2ab",
    "date_of_birth": "2025-06-01",
}


def test_demographics_checks_are_messages_not_exceptions() -> None:
    problems = check_demographics({"child_name": "", "nhs_number": "943 476 5918", "postcode": "nowhere"})
    assert problems["child_name"] == "Enter the child's name."
    assert "not a valid NHS number" in problems["nhs_number"]
    assert "postcode" in problems["postcode"]
    assert "not known" in check_demographics({"child_name": "A"})["nhs_number"]
    assert check_demographics({"child_name": "A", "nhs_number_not_known": True}) == {}
    assert (
        "YYYY-MM-DD"
        in check_demographics({"child_name": "A", "nhs_number_not_known": True, "date_of_birth": "1/2/2020"})[
            "date_of_birth"
        ]
    )


def test_create_case_normalises_and_lists(unlocked: Services) -> None:
    case_id, problems = create_case(unlocked, CHILD)
    assert problems == {}
    assert case_id is not None
    load = CaseloadState(unlocked)
    rows = load.refresh()
    assert [r.title for r in rows] == ["Poppy Canary"]
    assert "TQ1 2AB" in rows[0].subtitle
    assert "1 waiting to sync" in rows[0].badges
    bad_id, bad = create_case(unlocked, {"child_name": "X", "nhs_number": "123"})
    assert bad_id is None
    assert "nhs_number" in bad


def test_search_and_filters(unlocked: Services) -> None:
    a, _ = create_case(unlocked, CHILD)
    b, _ = create_case(unlocked, {"child_name": "Ben Other", "nhs_number_not_known": True})
    assert a is not None
    assert b is not None
    note = NoteState(unlocked, a)
    note.set_text("Bruise on the left forearm")
    assert note.save() is not None
    load = CaseloadState(unlocked)
    assert [r.title for r in load.set_query("forearm")] == ["Poppy Canary"]
    assert {r.title for r in load.set_query("")} == {"Poppy Canary", "Ben Other"}
    assert {r.title for r in load.set_filter("pending", True)} == {"Poppy Canary", "Ben Other"}
    assert load.set_filter("conflicts", True) == []
    assert load.empty_message == "No cases match."
    draft = NoteState(unlocked, b)
    draft.set_text("half written")
    load.set_filter("conflicts", False)
    load.set_filter("pending", False)
    assert [r.title for r in load.set_filter("drafts", True)] == ["Ben Other"]


def test_status_text_never_claims_more_than_true() -> None:
    assert status_text(SyncStatus(state=SyncState.IDLE))[0] == "Synced"
    assert status_text(SyncStatus(state=SyncState.IDLE, pending=2))[0] == "2 waiting to sync"
    assert status_text(SyncStatus(state=SyncState.OFFLINE, pending=3))[0] == "Offline · 3 waiting"
    assert status_text(SyncStatus(state=SyncState.SYNCING, progress=Progress(1, 4)))[0] == "Syncing 1/4"
    assert "conflict" in status_text(SyncStatus(state=SyncState.IDLE, conflicts=1))[0]
    assert status_text(SyncStatus(state=SyncState.ERROR, last_error="Hub said no"))[1] == "Hub said no"


def test_case_screen_edits_and_timeline(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    state = CaseState(unlocked, case_id)
    state.load()
    assert state.found
    state.set_value("nhs_number", "1234567890")
    assert "nhs_number" in state.problems
    assert not state.save()
    state.set_value("nhs_number", "9434765919")
    state.set_value("school", "Harbour Primary")
    assert state.save()
    assert state.saved_message == "Saved on this device."
    first = NoteState(unlocked, case_id)
    first.set_text("First visit.")
    note_id = first.save()
    assert note_id is not None
    fix = NoteState(unlocked, case_id, addendum_to=str(note_id))
    fix.load()
    assert fix.original_text == "First visit."
    fix.set_text("Correction: second visit.")
    assert fix.save() is not None
    state.load()
    titles = sorted(i.title for i in state.timeline)
    assert titles == ["Addendum", "Note"]
    assert all(i.sync == "Waiting to sync" for i in state.timeline)
    assert CaseState(unlocked, UUID(int=1)).found is False


def test_note_draft_survives_and_is_resumed(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    note = NoteState(unlocked, case_id)
    note.set_text("Half a sentence")
    unlocked.lock()  # an auto-lock in the middle of writing
    assert unlocked.unlock("amber otter quietly folds maps").ok
    again = NoteState(unlocked, case_id)
    again.load()
    assert again.text == "Half a sentence"
    assert not NoteState(unlocked, case_id).save()
    again.set_text("   ")
    assert again.save() is None
    assert again.error == "Write the note before saving it."


def test_the_timeline_shows_the_author_the_hub_attests_never_the_bodys_own(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    note = NoteState(unlocked, case_id)
    note.set_text("Home visit.")
    note_id = note.save(author="Forged Name")
    assert note_id is not None
    state = CaseState(unlocked, case_id)
    state.load()
    assert [i.author for i in state.timeline] == [""]  # not sent yet: the hub has attested nothing
    author = {"user_id": str(UUID(int=7)), "display_name": "Hana Visitor", "role": "health_visitor",
              "organisation": "Devon MASH", "ods_code": None, "registration": None, "device_id": None}  # fmt: skip
    assert unlocked.vault is not None
    with unlocked.vault.transaction() as conn:  # as a pulled change stores it
        conn.execute("UPDATE records SET hub_meta = ? WHERE id = ?", (json.dumps({"author": author}), str(note_id)))
    state.load()
    assert [i.author for i in state.timeline] == ["By Hana Visitor (health visitor, Devon MASH)"]


def test_a_date_of_birth_that_cannot_be_true_gets_a_plain_message() -> None:
    """The same rule as the hub's (forms._dates): no birth in the future or before 1900; an unborn baby has an
    expected date of delivery, its own field, at most 44 weeks ahead."""
    import datetime as dt

    today = dt.date(2026, 12, 1)
    base = {"child_name": "A", "nhs_number_not_known": True}
    tomorrow = check_demographics({**base, "date_of_birth": "2026-12-02"}, today=today)
    assert tomorrow["date_of_birth"].startswith("A date of birth cannot be in the future.")
    assert "expected date of delivery" in tomorrow["date_of_birth"]
    assert "before 1900" in check_demographics({**base, "date_of_birth": "1899-12-31"}, today=today)["date_of_birth"]
    assert check_demographics({**base, "date_of_birth": "2026-12-01"}, today=today) == {}
    assert check_demographics({**base, "unborn_expected_date": "2027-05-01"}, today=today) == {}
    far = check_demographics({**base, "unborn_expected_date": "2028-01-01"}, today=today)
    assert "at most 44 weeks" in far["unborn_expected_date"]
    assert (
        "YYYY-MM-DD"
        in check_demographics({**base, "unborn_expected_date": "soon"}, today=today)["unborn_expected_date"]
    )


def test_the_case_screen_refuses_to_save_a_future_date_of_birth(unlocked: Services) -> None:
    import datetime as dt

    case_id, problems = create_case(unlocked, CHILD)
    assert case_id is not None, problems
    state = CaseState(unlocked, case_id)
    state.load()
    state.set_value("date_of_birth", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    assert state.save() is False
    assert "cannot be in the future" in state.problems["date_of_birth"]
    assert unlocked.repo is not None
    record = unlocked.repo.get_record(case_id)
    assert record is not None
    assert record.body["date_of_birth"] == CHILD["date_of_birth"]
