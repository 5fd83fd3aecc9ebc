"""Several authorities on one hub, read as a browser does: each MASH sees its own referrals only, learns that another
MASH knows a child (who, how to reach them, when: never what), asks it, and transfers a referral when a family moves.
Crafted addresses and ids of another authority's referrals read as "not found" and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from hub import _authorities, _fact_codes, _facts
from hub._admin import create_user, enrol_code
from hub._console_tables import screenings
from hub._errors import AdminError
from hub._region_tables import authority_requests, need_facts, referral_transfers
from hub._signin import set_password
from hub._tables import audit, records
from tests.hub.conftest import Clock, Hub
from tests.hub.console.conftest import PASSWORD, Browser, push_referral, soup

DEVON, TORBAY, PLYMOUTH = (_authorities.find(k) for k in ("devon", "torbay", "plymouth"))
NHS = "9434765919"
POSTCODES = {"devon": "EX1 1AA", "torbay": "TQ1 2AB", "plymouth": "PL1 1AA", "cornwall": "TR1 1AA"}


def staff_of(hub: Hub, username: str, authority: str, role: str = "hub_staff") -> str:
    create_user(hub.db, username, username.upper(), role, f"{authority} MASH", authority=authority)
    set_password(hub.db, username, PASSWORD, actor="test")
    return username


def referral_in(hub: Hub, authority: str, name: str, nhs: str | None = NHS, by: str = "hv1") -> str:
    case = {"child_name": name, "postcode": POSTCODES[authority]}
    case |= {"nhs_number": nhs, "nhs_number_not_known": False} if nhs else {}
    return push_referral(hub, case, username=by)


@pytest.fixture
def browsers(app: FastAPI, clock: Clock) -> Iterator[dict[str, Browser]]:
    made: dict[str, Browser] = {}

    class _Lazy(dict[str, Browser]):
        def __missing__(self, key: str) -> Browser:
            made[key] = self[key] = Browser(app, clock)
            return made[key]

    yield _Lazy()
    for b in made.values():
        b.close()


def test_each_authority_sees_only_its_own_referrals(hub: Hub, browsers: dict[str, Browser]) -> None:
    devon_child = referral_in(hub, "devon", "Devon Canary", nhs=None)
    torbay_child = referral_in(hub, "torbay", "Torbay Canary", nhs=None, by="hv2")
    devon = browsers["devon"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    queue = devon.get("/")
    assert "Devon Canary" in queue.text
    assert "Torbay Canary" not in queue.text
    assert soup(queue).find("tr", attrs={"data-record": torbay_child}) is None
    assert devon.get(f"/referrals/{devon_child}").status_code == 200
    # A crafted address with the other authority's id: not found, and nothing of it on the page.
    crafted = devon.get(f"/referrals/{torbay_child}")
    assert crafted.status_code == 404
    assert "Torbay Canary" not in crafted.text
    torbay = browsers["torbay"]
    torbay.sign_in(staff_of(hub, "torbay1", "torbay"))
    assert "Torbay Canary" in torbay.get("/").text
    assert "Devon Canary" not in torbay.get("/").text


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("rate", {"rating": "red"}),
        ("assign", {"worker": "devon1"}),
        ("note", {"note": "crafted"}),
        ("open", {"allocated_worker": "Someone"}),
        ("request", {"practice_ods": "A81001", "questions": "Anything?"}),
        ("decide", {"decision": "nfa", "decision_rationale": "crafted"}),
        ("transfer", {"to_authority": "E10000008", "reason": "crafted"}),
        ("ask", {"to_authority": "E10000008", "question": "crafted"}),
    ],
)
def test_no_action_reaches_another_authoritys_referral(
    hub: Hub, browsers: dict[str, Browser], action: str, form: dict[str, str]
) -> None:
    torbay_child = referral_in(hub, "torbay", "Torbay Canary", nhs=None)
    devon = browsers["devon"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    before = _state(hub, torbay_child)
    answer = devon.post(f"/referrals/{torbay_child}/{action}", form)
    assert answer.status_code == 404, answer.text[:300]
    assert "Torbay Canary" not in answer.text
    assert _state(hub, torbay_child) == before


def _state(hub: Hub, record_id: str) -> tuple[object, ...]:
    with hub.db.read() as conn:
        rec = conn.execute(sa.select(records.c.seq, records.c.routed_to).where(records.c.record_id == record_id)).one()
        sc = conn.execute(sa.select(screenings).where(screenings.c.record_id == record_id)).first()
        moved = conn.execute(sa.select(sa.func.count()).select_from(referral_transfers)).scalar_one()
        asked = conn.execute(sa.select(sa.func.count()).select_from(authority_requests)).scalar_one()
    return (*rec, sc, moved, asked)


def test_another_mash_knowing_the_child_is_shown_without_its_content(hub: Hub, browsers: dict[str, Browser]) -> None:
    referral_in(hub, "torbay", "Secret Torbay Name", by="hv2")
    devon_child = referral_in(hub, "devon", "Devon Name")
    devon = browsers["devon"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    page = devon.get(f"/referrals/{devon_child}")
    table = soup(page).find("table", id="knowing")
    assert table is not None
    cells = [td.get_text(" ", strip=True) for td in table.find("tbody").find_all("td")]
    assert cells[0] == "Torbay Council"
    assert "mash@torbay.example" in cells[1]
    assert cells[2] == "1"
    assert "Secret Torbay Name" not in page.text  # the fact, never the content


def test_a_child_without_an_nhs_number_is_not_matched(hub: Hub, browsers: dict[str, Browser]) -> None:
    referral_in(hub, "torbay", "Same Name", nhs=None, by="hv2")
    devon_child = referral_in(hub, "devon", "Same Name", nhs=None)
    devon = browsers["devon"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    assert soup(devon.get(f"/referrals/{devon_child}")).find(id="known-nowhere") is not None


def test_asking_another_mash_answered_and_refused(hub: Hub, browsers: dict[str, Browser]) -> None:
    referral_in(hub, "torbay", "Torbay Name", by="hv2")
    devon_child = referral_in(hub, "devon", "Devon Name")
    devon, torbay, plymouth = browsers["devon"], browsers["torbay"], browsers["plymouth"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    devon.get(f"/referrals/{devon_child}")
    empty = devon.post(f"/referrals/{devon_child}/ask", {"to_authority": TORBAY.code, "question": " "})
    assert empty.status_code == 400
    assert "Enter what you want to know" in soup(empty).find(class_="govuk-error-summary").get_text()
    wrong = devon.post(f"/referrals/{devon_child}/ask", {"to_authority": PLYMOUTH.code, "question": "Known?"})
    assert wrong.status_code == 400
    assert "Select an authority that knows this child" in wrong.text
    for question in ("Is the family known to you?", "Any police contact?"):
        assert (
            devon.post(f"/referrals/{devon_child}/ask", {"to_authority": TORBAY.code, "question": question}).status_code
            == 303
        )
    # Plymouth was not asked: it sees nothing and cannot answer.
    plymouth.sign_in(staff_of(hub, "plym1", "plymouth"))
    assert soup(plymouth.get("/from-other-mashs")).find(id="none") is not None
    with hub.db.read() as conn:
        ids = list(
            conn.execute(sa.select(authority_requests.c.request_id).order_by(authority_requests.c.asked_at)).scalars()
        )
    assert plymouth.post(f"/from-other-mashs/{ids[0]}", {"give": "yes", "answer": "crafted"}).status_code == 403
    torbay.sign_in(staff_of(hub, "torbay1", "torbay"))
    inbox = torbay.get("/from-other-mashs")
    assert "Is the family known to you?" in inbox.text
    assert "From Devon County Council MASH" in inbox.text
    no_reason = torbay.post(f"/from-other-mashs/{ids[1]}", {"give": "no", "answer": ""})
    assert no_reason.status_code == 400
    assert "Enter the reason for refusing" in no_reason.text
    assert (
        torbay.post(
            f"/from-other-mashs/{ids[0]}", {"give": "yes", "answer": "Known since 2024: early help."}
        ).status_code
        == 303
    )
    assert (
        torbay.post(
            f"/from-other-mashs/{ids[1]}", {"give": "no", "answer": "A police investigation is open."}
        ).status_code
        == 303
    )
    again = torbay.post(f"/from-other-mashs/{ids[0]}", {"give": "yes", "answer": "twice"})
    assert again.status_code == 400
    page = devon.get(f"/referrals/{devon_child}")
    asked = soup(page).find(id="asked-1").get_text(" ", strip=True)
    assert "Answered" in asked
    assert "Known since 2024: early help." in asked
    refused = soup(page).find(id="asked-2").get_text(" ", strip=True)
    assert "Refused" in refused
    assert "A police investigation is open." in refused
    with hub.db.read() as conn:
        actions = set(conn.execute(sa.select(audit.c.action)).scalars())
    assert {
        "console.ask_authority",
        "console.authority_request_answered",
        "console.authority_request_refused",
    } <= actions


def test_a_family_move_transfers_the_referral_with_its_history_and_only_that(
    hub: Hub, browsers: dict[str, Browser]
) -> None:
    earlier = referral_in(hub, "devon", "Devon Earlier Canary")
    moving = referral_in(hub, "devon", "Moving Child", by="hv2")
    devon, torbay = browsers["devon"], browsers["torbay"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    devon.get(f"/referrals/{moving}")
    assert devon.post(f"/referrals/{moving}/rate", {"rating": "amber"}).status_code == 303
    with hub.db.write() as conn:  # the commissioning facts already hold it (a dashboard was seen)
        _facts.refresh(conn, hub.app.state.settings)
    devon.get(f"/referrals/{moving}")
    no_reason = devon.post(f"/referrals/{moving}/transfer", {"to_authority": TORBAY.code, "reason": ""})
    assert no_reason.status_code == 400
    assert "Enter why the referral is being transferred" in no_reason.text
    same = devon.post(f"/referrals/{moving}/transfer", {"to_authority": DEVON.code, "reason": "x"})
    assert "already with Devon County Council" in same.text
    done = devon.post(
        f"/referrals/{moving}/transfer",
        {"to_authority": TORBAY.code, "reason": "The family moved to Paignton on 1 December.", "family_move": "yes"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/console/?done=transfer"
    assert "Moving Child" not in devon.get("/").text
    assert devon.get(f"/referrals/{moving}").status_code == 404
    torbay.sign_in(staff_of(hub, "torbay1", "torbay"))
    assert "Moving Child" in torbay.get("/").text
    page = torbay.get(f"/referrals/{moving}")
    assert page.status_code == 200
    summary = soup(page).find(class_="govuk-summary-list").get_text(" ", strip=True)
    assert "Torbay Council" in summary
    assert "Family moved: from Devon County Council to Torbay Council" in soup(page).find(id="transfers").get_text()
    history = soup(page).find(id="history").find_next("table").get_text(" ", strip=True)
    assert "Rating set" in history  # the history it was given
    # Devon's other referral about the child: the fact and the contact, never its content.
    assert "Devon County Council" in soup(page).find("table", id="knowing").get_text()
    assert "Devon Earlier Canary" not in page.text
    assert torbay.get(f"/referrals/{earlier}").status_code == 404
    with hub.db.read() as conn:
        row = conn.execute(sa.select(referral_transfers)).one()
    assert (row.from_authority, row.to_authority, row.family_move) == (DEVON.code, TORBAY.code, True)
    with hub.db.read() as conn:  # and the counts follow it to Torbay
        counted = conn.execute(sa.select(need_facts.c.authority).where(need_facts.c.record_id == moving)).scalar_one()
    assert _fact_codes.authority_code(counted) == TORBAY.code


def test_workers_of_another_authority_cannot_be_assigned(hub: Hub, browsers: dict[str, Browser]) -> None:
    devon_child = referral_in(hub, "devon", "Devon Name", nhs=None)
    staff_of(hub, "torbay1", "torbay")
    devon = browsers["devon"]
    devon.sign_in(staff_of(hub, "devon1", "devon"))
    page = devon.get(f"/referrals/{devon_child}")
    assert "TORBAY1" not in page.text
    answer = devon.post(f"/referrals/{devon_child}/assign", {"worker": "torbay1"})
    assert answer.status_code == 400
    assert "Select a worker from the list" in answer.text


def test_a_regional_user_sees_every_authority(hub: Hub, browsers: dict[str, Browser], staff: str) -> None:
    referral_in(hub, "devon", "Devon Name", nhs=None)
    referral_in(hub, "cornwall", "Cornwall Name", nhs=None, by="hv2")
    browsers["all"].sign_in(staff)
    queue = browsers["all"].get("/").text
    assert "Devon Name" in queue
    assert "Cornwall Name" in queue


def test_the_cli_gives_a_user_an_authority_and_refuses_unknown_ones(hub: Hub) -> None:
    create_user(hub.db, "corn1", "Cornish Staff", "hub_staff", "Cornwall MASH", authority="cornwall")
    with hub.db.read() as conn:
        from hub._tables import users

        assert conn.execute(sa.select(users.c.authority).where(users.c.username == "corn1")).scalar() == "E06000052"
    with pytest.raises(AdminError, match="--authority: one of"):
        create_user(hub.db, "x1", "X", "hub_staff", "X", authority="atlantis")
    with pytest.raises(AdminError, match="only for hub staff"):
        create_user(hub.db, "x2", "X", "health_visitor", "X", authority="devon")


def test_per_authority_timescales_set_the_time_left(hub: Hub) -> None:
    import datetime as dt

    from hub import _queue, _screening
    from hub._signin import Staff
    from hub._timescales import Timescale, Timescales
    from protocol import Role

    quick = Timescales(by_rating={**Timescales().by_rating, "amber": Timescale(1, around_the_clock=True)})
    torbay_child = referral_in(hub, "torbay", "Torbay Name", nhs=None)
    devon_child = referral_in(hub, "devon", "Devon Name", nhs=None, by="hv2")
    user_id = create_user(hub.db, "lead1", "Lead", "manager", "Region").user_id
    lead = Staff(user_id, "lead1", "Lead", Role.MANAGER, "Region")
    per = {TORBAY.code: quick}
    for record_id in (torbay_child, devon_child):  # the rating sets each deadline in its authority's timescales
        _screening.rate(hub.db, lead, record_id, "amber", now=1_800_000_000, per_authority=per)
    now = dt.datetime.fromtimestamp(1_800_000_000, dt.UTC)
    fast = _queue.load_one(hub.db, Timescales(), now, torbay_child, None, per)
    slow = _queue.load_one(hub.db, Timescales(), now, devon_child, None, per)
    assert fast is not None
    assert slow is not None
    assert fast.due is not None
    assert slow.due is not None
    assert fast.due - fast.received == dt.timedelta(hours=1)
    assert slow.due - slow.received > dt.timedelta(hours=20)


def test_a_commissioner_cannot_enrol_a_device(hub: Hub) -> None:
    create_user(hub.db, "comm1", "Commissioner", "commissioner", "Devon County Council")
    with pytest.raises(AdminError, match="no device can be enrolled"):
        enrol_code(hub.db, "comm1")
