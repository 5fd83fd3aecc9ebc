"""Console users: admins add staff and reset second factors; nobody else may."""

from __future__ import annotations

from hub._signin import set_password
from tests.hub.conftest import Hub
from tests.hub.console.conftest import PASSWORD, Browser, soup


def test_an_admin_adds_a_user_who_then_sets_up_a_second_factor(browser: Browser, hub: Hub) -> None:
    hub.user("admin1", "admin")
    set_password(hub.db, "admin1", PASSWORD, actor="test")
    browser.sign_in("admin1")
    page = soup(browser.get("/users"))
    assert page.find("h1").get_text(strip=True) == "Console users"
    labels = [label.get_text(strip=True) for label in page.find_all("label")]
    assert labels == ["Username", "Full name", "Role", "Organisation", "First password"]
    added = browser.post(
        "/users",
        {
            "username": "newstaff",
            "display_name": "New Staff",
            "role": "manager",
            "organisation": "Devon MASH",
            "password": "a long first password",
        },
    )
    assert added.status_code == 303
    people = soup(browser.get("/users")).find(id="people").get_text(" ", strip=True)
    assert "New Staff (newstaff) Audit trail of newstaff MASH manager Not set up" in people
    browser.post("/sign-out")
    other = Browser(hub.app, browser.clock)
    other.sign_in("newstaff", "a long first password")
    assert other.get("/").status_code == 200
    assert "Set up" in soup(browser_get_as_admin(browser)).find(id="people").get_text(" ", strip=True)
    other.close()


def browser_get_as_admin(browser: Browser) -> object:
    browser.sign_in("admin1")
    return browser.get("/users")


def test_bad_input_is_shown_not_raised(browser: Browser, hub: Hub) -> None:
    hub.user("admin1", "admin")
    set_password(hub.db, "admin1", PASSWORD, actor="test")
    browser.sign_in("admin1")
    browser.get("/users")
    short = browser.post(
        "/users",
        {"username": "x1", "display_name": "X", "role": "hub_staff", "organisation": "MASH", "password": "short"},
    )
    assert short.status_code == 400
    assert "at least 12 characters" in soup(short).find(class_="govuk-error-summary").get_text()
    browser.get("/users")
    field_role = browser.post(
        "/users",
        {
            "username": "x2",
            "display_name": "X",
            "role": "gp",
            "organisation": "MASH",
            "password": "a long first password",
        },
    )
    assert field_role.status_code == 400
    assert "Choose hub staff, manager or admin" in soup(field_role).get_text()


def test_reset_second_factor_ends_their_sessions(browser: Browser, hub: Hub, staff: str) -> None:
    hub.user("admin1", "admin")
    set_password(hub.db, "admin1", PASSWORD, actor="test")
    worker = Browser(hub.app, browser.clock)
    worker.sign_in(staff)
    browser.sign_in("admin1")
    browser.get("/users")
    assert browser.post(f"/users/{staff}/reset-second-factor").status_code == 303
    assert worker.get("/").status_code == 303  # signed out
    worker.password_step(staff)
    assert soup(worker.get("/sign-in/code")).find("h1").get_text(strip=True) == "Set up your second factor"
    worker.close()


def test_staff_cannot_manage_users(browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    nav = soup(browser.get("/")).find(class_="govuk-service-navigation").get_text(" ", strip=True)
    assert "Console users" not in nav
    assert browser.get("/users").status_code == 403
    browser.get("/")
    refused = browser.post(
        "/users",
        {
            "username": "sneaky",
            "display_name": "S",
            "role": "admin",
            "organisation": "M",
            "password": "a long first password",
        },
    )
    assert refused.status_code == 403
    assert browser.post(f"/users/{staff}/reset-second-factor").status_code == 403
