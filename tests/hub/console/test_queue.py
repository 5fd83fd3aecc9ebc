"""The queue and a referral's page, read as HTML: every field, the rating forms and their errors, hostile text."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub._signin import set_password
from hub._tables import audit
from tests.hub.conftest import Hub
from tests.hub.console.conftest import PASSWORD, Browser, push_referral, soup


def _row(page: object, record_id: str) -> object:
    row = soup(page).find("tr", attrs={"data-record": record_id})  # type: ignore[arg-type]
    assert row is not None
    return row


def test_the_queue_shows_a_referral_with_its_child_and_referrer(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(
        hub, {"child_name": "Amy Example", "nhs_number": "9434765919", "nhs_number_not_known": False}
    )
    browser.sign_in(staff)
    page = browser.get("/")
    row = _row(page, record_id)
    cells = [c.get_text(" ", strip=True) for c in row.find_all("td")]  # type: ignore[attr-defined]
    assert cells[0].startswith("Amy Example")
    assert "NHS number 943 476 5919" in cells[0]
    assert "Torbay" in cells[0] or "Devon" in cells[0]
    assert "MASH-" in cells[0]  # the hub's reference
    assert "Level" in cells[1]
    assert "Received" in cells[2]
    assert cells[3] == "Not rated"
    assert cells[4] == "Nobody yet"
    assert cells[5] == "Not rated yet"
    counts = soup(page).find(id="counts").get_text(" ", strip=True)
    assert "1 Not rated yet" in counts
    assert "0 Red" in counts


def test_rating_red_puts_it_on_the_clock_and_at_the_top(browser: Browser, staff: str, hub: Hub, clock: object) -> None:
    first = push_referral(hub, {"child_name": "First Child"}, username="hv1")
    second = push_referral(hub, {"child_name": "Second Child"}, username="hv2")
    browser.sign_in(staff)
    browser.get(f"/referrals/{second}")
    done = browser.post(f"/referrals/{second}/rate", {"rating": "red"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/referrals/{second}?done=rate"
    page = soup(browser.get(f"/referrals/{second}?done=rate"))
    assert "Rating saved" in page.find(class_="govuk-notification-banner").get_text()
    queue = browser.get("/")
    rows = soup(queue).find("table", id="queue").find("tbody").find_all("tr")
    assert [r["data-record"] for r in rows] == [second, first]
    cells = [c.get_text(" ", strip=True) for c in rows[0].find_all("td")]
    assert cells[3] == "Red"
    assert cells[5].endswith("left")
    assert "hours" in cells[5] or "hour" in cells[5]
    assert "1 Red" in soup(queue).find(id="counts").get_text(" ", strip=True)


def test_overdue_stands_out_and_filters(browser: Browser, staff: str, hub: Hub, clock: object) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    browser.post(f"/referrals/{record_id}/rate", {"rating": "red"})
    clock.advance(5 * 3600)  # type: ignore[attr-defined]
    browser.sign_in(staff)
    page = browser.get("/?overdue=yes")
    row = _row(page, record_id)
    assert "console-row--overdue" in row["class"]  # type: ignore[index]
    assert row.find_all("td")[5].get_text(strip=True).startswith("Overdue by")  # type: ignore[attr-defined]
    assert soup(browser.get("/?rating=green")).find(id="empty") is not None
    assert soup(browser.get("/?rating=red")).find("tr", attrs={"data-record": record_id}) is not None
    assert soup(browser.get("/?worker=none&sort=child&rating=nonsense&status=x")).find(id="empty") is not None


def test_a_change_of_rating_needs_a_reason_and_is_kept_in_the_history(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": "amber"}).status_code == 303
    browser.get(f"/referrals/{record_id}")
    refused = browser.post(f"/referrals/{record_id}/rate", {"rating": "red", "rationale": "  "})
    assert refused.status_code == 400
    summary = soup(refused).find(class_="govuk-error-summary")
    link = summary.find("a")
    assert link.get_text(strip=True) == "Enter why you are changing the rating."
    assert link["href"] == "#rationale"
    assert soup(refused).find(id="rationale") is not None
    browser.get(f"/referrals/{record_id}")
    assert (
        browser.post(f"/referrals/{record_id}/rate", {"rating": "red", "rationale": "Bruising seen"}).status_code == 303
    )
    history = soup(browser.get(f"/referrals/{record_id}")).find(id="history").find_next("table")
    rows = [[c.get_text(" ", strip=True) for c in r.find_all("td")] for r in history.find("tbody").find_all("tr")]
    assert [r[2] for r in rows] == ["Rating set", "Rating set: Bruising seen", "Deadline moved by the new rating"]
    assert [(r[1], r[3], r[4]) for r in rows[:2]] == [(staff, "", "amber"), (staff, "amber", "red")]
    assert rows[2][3] != rows[2][4]  # from amber's deadline to red's, both in words


def test_no_rating_chosen_gets_a_message(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    refused = browser.post(f"/referrals/{record_id}/rate", {})
    assert refused.status_code == 400
    assert soup(refused).find(class_="govuk-error-summary").find("a").get_text(strip=True) == "Select a rating."


def test_assign_note_and_already_open(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    hub.user("manager1", "manager")
    set_password(hub.db, "manager1", PASSWORD, actor="test")
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/assign", {"worker": staff}).status_code == 303
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/note", {"note": "Called the school"}).status_code == 303
    browser.get(f"/referrals/{record_id}")
    empty = browser.post(f"/referrals/{record_id}/open", {"allocated_worker": ""})
    assert empty.status_code == 400
    assert "Enter the allocated social worker's name." in soup(empty).find(class_="govuk-error-summary").get_text()
    browser.get(f"/referrals/{record_id}")
    assert browser.post(f"/referrals/{record_id}/open", {"allocated_worker": "Jo Social"}).status_code == 303
    page = soup(browser.get(f"/referrals/{record_id}"))
    summary = {
        r.find("dt").get_text(strip=True): r.find("dd").get_text(" ", strip=True)
        for r in page.find(class_="govuk-summary-list").find_all(class_="govuk-summary-list__row")
    }
    assert summary["Worker"] == "STAFF1"
    assert summary["Already open to children's social care"] == "Yes, allocated to Jo Social"
    assert "Note: Called the school" in page.find(id="history").find_next("table").get_text(" ", strip=True)
    # A manager may reassign; the rule is in hub._screening (tests/hub/console/test_screening.py covers staff).
    assert soup(browser.get("/?worker=staff1")).find("tr", attrs={"data-record": record_id}) is not None


def test_the_referral_reads_as_a_document(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub, {"child_name": "Amy Example"})
    browser.sign_in(staff)
    page = soup(browser.get(f"/referrals/{record_id}"))
    assert page.find("h1").get_text(strip=True) == "Amy Example"
    for heading in ("emergency", "consent", "referral", "receipt", "history"):
        assert page.find(id=heading) is not None, heading
    receipt = page.find(id="receipt").find_next(class_="govuk-summary-list").get_text(" ", strip=True)
    assert "Stored body matches the receipt Yes" in receipt
    assert "Document matches its own hash Yes" in receipt
    assert "{" not in page.find(id="referral").find_next(class_="govuk-summary-list").get_text()  # never JSON
    consent = page.find(id="consent").find_next(class_="govuk-summary-list").get_text(" ", strip=True)
    assert "Consent to share information" in consent
    assert "Lawful basis" in consent
    with hub.db.read() as conn:
        views = conn.execute(sa.select(audit.c.target).where(audit.c.action == "console.referral")).scalars().all()
    assert record_id in views


def test_markup_in_a_referral_is_shown_as_text(browser: Browser, staff: str, hub: Hub) -> None:
    hostile = '<script>alert("x")</script><b onmouseover="x()">Bold</b>'
    record_id = push_referral(hub, {"child_name": hostile})
    browser.sign_in(staff)
    for page in (browser.get("/"), browser.get(f"/referrals/{record_id}")):
        html = soup(page)
        assert not [s for s in html.find_all("script") if not s.get("src")]
        assert html.find("b") is None
        assert hostile in html.get_text()
        assert "&lt;script&gt;" in page.text


def test_unknown_referral_is_a_plain_404(browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    page = browser.get("/referrals/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404
    assert soup(page).find("h1").get_text(strip=True) == "Referral not found"
    assert browser.get("/referrals/" + "x" * 300).status_code == 404
    other = browser.get("/no/such/page")
    assert other.status_code == 404
    assert soup(other).find("h1").get_text(strip=True) == "Page not found"  # a page, not the API's JSON
    assert other.headers["content-security-policy"]
    assert browser.post("/referrals/00000000-0000-0000-0000-000000000000/rate", {"rating": "red"}).status_code == 404
    assert browser.post("/referrals/00000000-0000-0000-0000-000000000000/nonsense", {}).status_code == 404


def test_pages_need_a_signed_in_user(browser: Browser, hub: Hub) -> None:
    record_id = push_referral(hub)
    for path in ("/", f"/referrals/{record_id}", "/users"):
        answer = browser.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/sign-in"
    browser.get("/sign-in")
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": "red"}).status_code == 303


def test_screening_forms_refuse_a_missing_csrf_token(browser: Browser, staff: str, hub: Hub) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": "red"}, csrf="omit").status_code == 403
    assert browser.post(f"/referrals/{record_id}/rate", {"rating": "red"}, csrf="forged").status_code == 403
    page = soup(browser.get(f"/referrals/{record_id}"))
    assert "Nothing has been done on this referral yet." in page.get_text()


def test_the_queue_comes_in_pages_that_keep_the_filters(
    browser: Browser, staff: str, hub: Hub, monkeypatch: object, clock: object
) -> None:
    from hub.console import _pages

    monkeypatch.setattr(_pages, "PAGE_SIZE", 2)  # type: ignore[attr-defined]
    ids = []
    for n in range(3):
        ids.append(push_referral(hub, username=f"hv{n}"))
        clock.advance(60)  # type: ignore[attr-defined]
    browser.sign_in(staff)
    first = soup(browser.get("/?rating=unrated&sort=received"))
    assert len(first.find("table", id="queue").find("tbody").find_all("tr")) == 2
    assert first.find("caption").get_text(strip=True) == "3 open referrals"
    nav = first.find(class_="govuk-pagination")
    assert nav.find("a", rel="next")["href"] == "/console/?rating=unrated&sort=received&page=2"
    second = soup(browser.get("/?rating=unrated&sort=received&page=2"))
    rows = second.find("table", id="queue").find("tbody").find_all("tr")
    assert [r["data-record"] for r in rows] == [ids[0]]  # newest first: the oldest is last
    for odd in ("999", "0", "abc", "-1", "9" * 50):
        assert browser.get(f"/?page={odd}").status_code == 200


@pytest.mark.parametrize(
    ("page", "pages", "shown"),
    [
        (1, 1, [1]),
        (1, 2, [1, 2]),
        (1, 5, [1, 2, None, 5]),
        (3, 5, [1, 2, 3, 4, 5]),
        (2, 400, [1, 2, 3, None, 400]),
        (200, 400, [1, None, 199, 200, 201, None, 400]),
        (400, 400, [1, None, 399, 400]),
    ],
)
def test_a_long_queue_offers_a_window_of_pages_not_all_of_them(page: int, pages: int, shown: list[int | None]) -> None:
    from hub.console._pages import page_window

    assert page_window(page, pages) == shown
