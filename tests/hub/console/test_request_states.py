"""An information request's life on the referral page: sent, on a device (learned from the cursor a device sends
with its next push, never on the pull path), answered or overdue; a chase the practice's devices pull; and a change
of rating that moves the referral's deadline and its open requests' deadlines, each move in the history."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from hub._tables import audit, device_cursors, record_versions, records, users
from hub._timescales import Timescales
from tests.hub._records import response_fields
from tests.hub.conftest import Clock, Hub, mutation, new_case
from tests.hub.console.conftest import Browser, push_referral, soup


def _panel(page: object, n: int = 1) -> str:
    return soup(page).find(id=f"request-{n}").get_text(" ", strip=True)  # type: ignore[arg-type,union-attr]


def _history(page: object) -> str:
    return soup(page).find(id="history").find_next("table").get_text(" ", strip=True)  # type: ignore[arg-type,union-attr]


def _staff_id(hub: Hub, name: str) -> str:
    with hub.db.read() as conn:
        return str(conn.execute(sa.select(users.c.user_id).where(users.c.username == name)).scalar_one())


def _send(browser: Browser, record_id: str, rating: str = "amber") -> None:
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": rating}).status_code == 303
    browser.get(f"/referrals/{record_id}")
    sent = browser.post(f"/referrals/{record_id}/request", {"practice_ods": "A81001", "questions": "Known?"})
    assert sent.status_code == 303


def test_a_request_is_on_a_device_once_a_device_reports_a_cursor_past_it(
    browser: Browser, staff: str, hub: Hub
) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    _send(browser, record_id)
    assert "Sent" in _panel(browser.get(f"/referrals/{record_id}"))
    gp = hub.device("gp1", "gp", "A81001")
    assert [c["record_type"] for c in gp.pull_all()] == ["info_request"]
    with hub.db.read() as conn:  # the pull wrote nothing about it
        assert conn.execute(sa.select(sa.func.count()).select_from(device_cursors)).scalar_one() == 0
    assert "Sent" in _panel(browser.get(f"/referrals/{record_id}"))
    # The GP's device pushes something else (a case of their own) with the cursor it stored.
    assert gp.sync(new_case()).status_code == 200
    panel = _panel(browser.get(f"/referrals/{record_id}"))
    assert "On a device" in panel
    assert "Yes: a device of the practice has it" in panel
    # An empty sync is a pure read: the cursor it carries is not written.
    other = hub.device("gp2", "gp", "B82002")
    other.pull_all()
    assert other.sync().status_code == 200
    with hub.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(device_cursors)).scalar_one() == 1


def test_another_practice_reporting_does_not_put_it_on_a_device(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    _send(browser, record_id)
    elsewhere = hub.device("gp2", "gp", "B82002")
    elsewhere.pull_all()
    assert elsewhere.sync(new_case()).status_code == 200
    assert "Sent" in _panel(browser.get(f"/referrals/{record_id}"))


def test_a_chase_is_a_new_version_the_practice_pulls_and_is_audited(
    browser: Browser, staff: str, hub: Hub, clock: Clock
) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    _send(browser, record_id)
    gp = hub.device("gp1", "gp", "A81001")
    request = gp.pull_all()[0]
    assert request["fields"].get("chased_at", []) == []
    page = browser.get(f"/referrals/{record_id}")
    assert "Not chased" in _panel(page)
    chased = browser.post(f"/referrals/{record_id}/chase", {"request": request["record_id"]})
    assert chased.status_code == 303
    page = browser.get(f"/referrals/{record_id}?done=chase")
    assert "Chased 1 time" in _panel(page)
    assert "Information request chased" in _history(page)
    again = gp.pull_all()
    assert len(again) == 1
    assert again[0]["version"] == 2
    assert again[0]["fields"]["chased_at"] == [dt.datetime.fromtimestamp(clock.now, dt.UTC).isoformat()]
    with hub.db.read() as conn:
        rows = conn.execute(sa.select(audit.c.actor, audit.c.target).where(audit.c.action == "console.chase")).all()
    assert [(r.actor, r.target) for r in rows] == [(staff, record_id)]
    with hub.db.read() as conn:  # the version is kept for a later push's three-way merge, written by its author
        kept = conn.execute(
            sa.select(record_versions.c.version, record_versions.c.user_id, record_versions.c.fields).where(
                record_versions.c.record_id == request["record_id"]
            )
        ).all()
    assert [(v.version, v.user_id) for v in kept][-1] == (2, _staff_id(hub, staff))
    assert json.loads(kept[-1].fields) == again[0]["fields"]
    # An answered request cannot be chased; nor can a request of another referral.
    answer = mutation("response", response_fields(request), case_id=request["case_id"])
    assert gp.push(answer)[0]["outcome"] == "applied"
    browser.get(f"/referrals/{record_id}")
    refused = browser.post(f"/referrals/{record_id}/chase", {"request": request["record_id"]})
    assert refused.status_code == 400
    summary = soup(refused).find(class_="govuk-error-summary")
    assert summary is not None
    assert "has been answered" in summary.get_text()
    other = push_referral(hub)
    browser.get(f"/referrals/{other}")
    assert browser.post(f"/referrals/{other}/chase", {"request": request["record_id"]}).status_code == 400


def test_a_change_of_rating_moves_the_deadlines_and_keeps_the_moves(
    browser: Browser, staff: str, hub: Hub, clock: Clock
) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    _send(browser, record_id, "green")
    gp = hub.device("gp1", "gp", "A81001")
    first = gp.pull_all()[0]
    with hub.db.read() as conn:
        sent_at = conn.execute(
            sa.select(records.c.created_at).where(records.c.record_type == "info_request")
        ).scalar_one()
    sent = dt.datetime.fromtimestamp(sent_at, dt.UTC)
    assert dt.datetime.fromisoformat(first["fields"]["deadline"]) == Timescales().due(sent, "green")
    clock.advance(60)
    browser.get(f"/referrals/{record_id}")
    assert (
        browser.post(f"/referrals/{record_id}/rate", {"rating": "red", "rationale": "A bruise seen today"}).status_code
        == 303
    )
    moved = gp.pull_all()
    assert len(moved) == 1
    assert moved[0]["version"] == 2
    assert moved[0]["fields"]["rag"] == "red"
    assert dt.datetime.fromisoformat(moved[0]["fields"]["deadline"]) == sent + dt.timedelta(hours=4)
    page = browser.get(f"/referrals/{record_id}")
    history = _history(page)
    assert "Deadline moved by the new rating" in history
    assert "Information request's deadline moved" in history
    with hub.db.read() as conn:
        fields = json.loads(
            conn.execute(sa.select(records.c.fields).where(records.c.record_type == "info_request")).scalar_one()
        )
    assert fields["deadline"] == moved[0]["fields"]["deadline"]
    # An answered request keeps its deadline when the rating changes again.
    answer = mutation("response", response_fields(first), case_id=first["case_id"])
    assert gp.push(answer)[0]["outcome"] == "applied"
    browser.get(f"/referrals/{record_id}")
    browser.post(f"/referrals/{record_id}/rate", {"rating": "amber", "rationale": "Seen by the GP"})
    assert [c for c in gp.pull_all() if c["record_type"] == "info_request"] == []
