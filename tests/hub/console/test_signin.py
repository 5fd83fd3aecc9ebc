"""Signing in to the console: password, second factor (set up with a QR code, then a code), sessions and refusals."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from hub._admin import disable_user
from hub._console_tables import staff_credentials
from hub._errors import AdminError
from hub._signin import IDLE_S, LIFETIME_S, _hasher, set_password
from hub._tables import audit
from tests.hub.conftest import Clock, Hub
from tests.hub.console.conftest import PASSWORD, Browser, soup


def test_first_sign_in_sets_up_the_second_factor_then_shows_the_queue(browser: Browser, staff: str) -> None:
    page = browser.get("/sign-in")
    assert page.status_code == 200
    html = soup(page)
    assert html.find("h1").get_text(strip=True) == "Sign in"
    assert html.find("label", attrs={"for": "username"}).get_text(strip=True) == "Username"
    assert html.find("label", attrs={"for": "password"}).get_text(strip=True) == "Password"
    answer = browser.post("/sign-in", {"username": staff, "password": PASSWORD})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in/code"
    setup = soup(browser.get("/sign-in/code"))
    assert setup.find("h1").get_text(strip=True) == "Set up your second factor"
    assert setup.find("svg") is not None  # the QR code, drawn on the hub
    browser.secret = setup.find(id="secret").get_text(strip=True)
    assert len(browser.secret) >= 16
    done = browser.post("/sign-in/code", {"code": browser.code()})
    assert done.status_code == 303
    assert done.headers["location"] == "/console/"
    queue = browser.get("/")
    assert queue.status_code == 200
    assert soup(queue).find("h1").get_text(strip=True) == "Referrals to screen"


def test_the_session_cookie_is_httponly_strict_and_changes_at_sign_in(browser: Browser, staff: str) -> None:
    first = browser.password_step(staff)
    pending = first.cookies.get("mash_console")
    header = first.headers["set-cookie"].lower()
    assert "httponly" in header
    assert "samesite=strict" in header
    assert "path=/console" in header
    browser.get("/sign-in/code")
    secret = soup(browser.get("/sign-in/code")).find(id="secret").get_text(strip=True)
    browser.secret = secret
    done = browser.post("/sign-in/code", {"code": browser.code()})
    assert done.cookies.get("mash_console") not in (None, pending)
    # The pending session's id no longer works for anything.
    browser.client.cookies.set("mash_console", pending, path="/console")
    assert browser.get("/").status_code == 303


def test_secure_cookie_off_loopback(app: object, clock: Clock, staff: str) -> None:
    b = Browser(app, clock)  # type: ignore[arg-type]
    b.client.base_url = "http://hub.example"  # type: ignore[misc]
    page = b.client.get("/console/sign-in")
    assert "secure" in page.headers["set-cookie"].lower()
    b.close()


def test_wrong_password_is_refused_and_audited_without_the_password(browser: Browser, staff: str, hub: Hub) -> None:
    answer = browser.password_step(staff, "not the password at all")
    assert answer.status_code == 400
    html = soup(answer)
    assert html.find(class_="govuk-error-summary").find("a").get_text(strip=True) == (
        "Enter a correct username and password."
    )
    assert html.find(id="username")["value"] == staff
    with hub.db.read() as conn:
        rows = conn.execute(sa.select(audit).where(audit.c.action == "signin.password")).all()
    assert [r.outcome for r in rows] == ["wrong_password"]
    assert all("not the password" not in (r.detail or "") for r in rows)


def test_empty_fields_get_a_message(browser: Browser, staff: str) -> None:
    browser.get("/sign-in")
    answer = browser.post("/sign-in", {"username": "", "password": ""})
    assert answer.status_code == 400
    assert "Enter your username and password." in soup(answer).find(class_="govuk-error-summary").get_text()


def test_unknown_user_reads_like_a_wrong_password(browser: Browser, staff: str) -> None:
    answer = browser.password_step("nobody", PASSWORD)
    assert answer.status_code == 400
    assert "Enter a correct username and password." in answer.text


def test_five_failures_lock_the_account_even_for_the_right_password(browser: Browser, staff: str, clock: Clock) -> None:
    for _ in range(5):
        assert browser.password_step(staff, "wrong wrong wrong").status_code == 400
    locked = browser.password_step(staff, PASSWORD)
    assert locked.status_code == 400
    assert "locked" in soup(locked).find(class_="govuk-error-summary").get_text()
    clock.advance(15 * 60 + 1)
    assert browser.password_step(staff, PASSWORD).status_code == 303


def test_field_roles_cannot_sign_in(browser: Browser, hub: Hub) -> None:
    user_id = hub.user("hv1", "health_visitor")
    # Even a password set straight in the database does not let a health visitor in.
    with hub.db.write() as conn:
        conn.execute(
            sa.insert(staff_credentials).values(
                user_id=user_id, password_hash=_hasher.hash(PASSWORD), failed_count=0, updated_at=0.0
            )
        )
    answer = browser.password_step("hv1", PASSWORD)
    assert answer.status_code == 400
    assert "cannot sign in to the console" in answer.text
    assert "mash_console" not in answer.cookies


def test_a_field_role_gets_no_console_password(hub: Hub) -> None:
    hub.user("gp1", "gp", "A81001")
    with pytest.raises(AdminError, match="only hub staff"):
        set_password(hub.db, "gp1", PASSWORD, actor="test")


def test_a_used_code_is_refused_again(browser: Browser, staff: str, clock: Clock) -> None:
    browser.sign_in(staff)
    clock.advance(-30)  # back inside the step of the code just used
    used = browser.code()
    browser.post("/sign-out")
    assert browser.password_step(staff).status_code == 303
    browser.get("/sign-in/code")
    replay = browser.post("/sign-in/code", {"code": used})
    assert replay.status_code == 400
    assert "Enter the current 6-digit code" in soup(replay).find(class_="govuk-error-summary").get_text()
    clock.advance(30)
    assert browser.post("/sign-in/code", {"code": browser.code()}).status_code == 303


def test_a_wrong_code_is_refused(browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    browser.post("/sign-out")
    browser.password_step(staff)
    browser.get("/sign-in/code")
    wrong = f"{(int(browser.code()) + 1) % 1_000_000:06d}"
    assert browser.post("/sign-in/code", {"code": wrong}).status_code == 400
    assert browser.post("/sign-in/code", {"code": "abc"}).status_code == 400
    assert browser.get("/").status_code == 303  # still not signed in


def test_a_code_one_step_either_side_is_accepted_two_is_not(browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    browser.post("/sign-out")
    browser.password_step(staff)
    browser.get("/sign-in/code")
    assert browser.post("/sign-in/code", {"code": browser.code(2)}).status_code == 400
    assert browser.post("/sign-in/code", {"code": browser.code(1)}).status_code == 303


def test_after_sign_out_the_session_is_refused(browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    cookie = browser.client.cookies.get("mash_console")
    assert browser.get("/").status_code == 200
    browser.get("/")
    out = browser.post("/sign-out")
    assert out.status_code == 200
    assert soup(out).find("h1").get_text(strip=True) == "You have signed out"
    browser.client.cookies.set("mash_console", cookie, path="/console")  # a copy of the old cookie
    answer = browser.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"


def test_a_disabled_user_is_signed_out_at_the_next_request(browser: Browser, staff: str, hub: Hub) -> None:
    browser.sign_in(staff)
    assert browser.get("/").status_code == 200
    disable_user(hub.db, staff)
    assert browser.get("/").status_code == 303


def test_idle_and_absolute_expiry(browser: Browser, staff: str, clock: Clock) -> None:
    browser.sign_in(staff)
    clock.advance(IDLE_S - 60)
    assert browser.get("/").status_code == 200  # activity keeps it alive
    clock.advance(IDLE_S - 60)
    assert browser.get("/").status_code == 200
    clock.advance(IDLE_S + 1)
    assert browser.get("/").status_code == 303
    browser.sign_in(staff)
    for _ in range(int(LIFETIME_S // (IDLE_S - 60)) + 1):
        clock.advance(IDLE_S - 60)
        browser.get("/")
    assert browser.get("/").status_code == 303  # past the absolute lifetime, however active


def test_missing_or_wrong_csrf_is_refused(browser: Browser, staff: str) -> None:
    browser.get("/sign-in")
    assert browser.post("/sign-in", {"username": staff, "password": PASSWORD}, csrf="omit").status_code == 403
    assert browser.post("/sign-in", {"username": staff, "password": PASSWORD}, csrf="x" * 43).status_code == 403
    browser.sign_in(staff)
    assert browser.post("/sign-out", csrf="omit").status_code == 403
    assert browser.post("/sign-out", csrf="wrong").status_code == 403
    assert browser.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_every_page_sends_the_security_headers(browser: Browser, staff: str) -> None:
    page = browser.get("/sign-in")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    html = soup(page)
    assert not [s for s in html.find_all("script") if not s.get("src")], "no inline script"
    assert not html.find_all("style"), "no inline style"
    assert not html.find_all(attrs={"style": True}), "no inline style"


def test_the_header_is_the_councils_own(browser: Browser) -> None:
    html = soup(browser.get("/sign-in"))
    assert html.find(class_="govuk-header__logo") is None
    assert "govuk-crest" not in str(html)
    assert "GOV.UK" not in html.get_text()
    assert html.find(class_="console-header").get_text(" ", strip=True).startswith("Multi-Agency Safeguarding Hub")


def test_assets_are_served_but_not_the_crown_or_the_font(browser: Browser) -> None:
    css = browser.client.get("/console/assets/govuk-frontend.min.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert browser.client.get("/console/assets/govuk-frontend.min.js").status_code == 200
    assert browser.client.get("/console/static/console.js").status_code == 200
    assert browser.client.get("/console/assets/fonts/light-94a07e06a1-v2.woff2").status_code == 404
    assert browser.client.get("/console/assets/govuk-crest.svg").status_code == 404
    assert browser.client.get("/console/static/../_web.py").status_code == 404


def test_sign_in_is_audited(browser: Browser, staff: str, hub: Hub) -> None:
    browser.sign_in(staff)
    with hub.db.read() as conn:
        rows = conn.execute(sa.select(audit.c.action, audit.c.outcome).where(audit.c.actor == staff)).all()
    assert ("signin.password", "ok") in rows
    assert ("signin.code", "ok") in rows


def test_totp_secret_is_never_shown_again(browser: Browser, staff: str) -> None:
    browser.sign_in(staff)
    browser.post("/sign-out")
    browser.password_step(staff)
    prompt = soup(browser.get("/sign-in/code"))
    assert prompt.find("h1").get_text(strip=True) == "Enter your code"
    assert prompt.find(id="secret") is None
    assert browser.secret not in str(prompt)
    assert pyotp.TOTP(browser.secret).now()  # the app still holds it


def test_one_computer_trying_many_accounts_is_held_back(browser: Browser, hub: Hub, clock: Clock) -> None:
    from hub.console._ratelimit import MAX_FAILURES

    for n in range(MAX_FAILURES):
        assert browser.password_step(f"guess{n}", "wrong wrong wrong").status_code == 400
    hub.user("staff2", "hub_staff")
    set_password(hub.db, "staff2", PASSWORD, actor="test")
    held = browser.password_step("staff2", PASSWORD)  # even the right password, from this client, for now
    assert held.status_code == 400
    assert "Too many failed attempts from this computer" in soup(held).find(class_="govuk-error-summary").get_text()
    clock.advance(15 * 60 + 1)
    assert browser.password_step("staff2", PASSWORD).status_code == 303
