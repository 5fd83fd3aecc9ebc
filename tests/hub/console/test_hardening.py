"""Hardening of the console: TOTP secrets sealed at rest (and the upgrade that seals clear ones), HSTS over HTTPS
only, and a session that ended (revoked user, idle) meeting a form gets a plain page, never a 5xx, and saves
nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi import FastAPI

from hub._admin import disable_user
from hub._console_tables import screening_events, staff_credentials
from hub._db import Database
from hub._migrations import _config, migrate
from hub._signin import IDLE_S, open_totp, totp_key
from tests.hub._asgi import PortalTransport
from tests.hub.conftest import Clock, Hub
from tests.hub.console.conftest import Browser, push_referral, soup
from tests.support.postgres import PostgresCluster


def test_the_totp_secret_is_sealed_at_rest_and_bound_to_its_user(browser: Browser, staff: str, hub: Hub) -> None:
    browser.sign_in(staff)
    assert browser.secret is not None
    hub.user("other", "hub_staff")
    with hub.db.read() as conn:
        row = conn.execute(sa.select(staff_credentials.c.user_id, staff_credentials.c.totp_sealed)).one()
        key = totp_key(conn)
    assert row.totp_sealed.startswith("v1.")
    assert browser.secret not in row.totp_sealed
    assert open_totp(key, row.user_id, row.totp_sealed) == browser.secret
    assert open_totp(key, "another user's id", row.totp_sealed) is None  # moved to another row, it does not open
    tampered = row.totp_sealed[:-4] + ("AAAA" if not row.totp_sealed.endswith("AAAA") else "BBBB")
    assert open_totp(key, row.user_id, tampered) is None


def test_a_tampered_secret_refuses_codes_with_a_plain_message(browser: Browser, staff: str, hub: Hub) -> None:
    browser.sign_in(staff)
    browser.post("/sign-out")
    with hub.db.write() as conn:
        conn.execute(sa.update(staff_credentials).values(totp_sealed="v1.bm90IGEgc2VhbGVkIHZhbHVl"))
    assert browser.password_step(staff).status_code == 303
    browser.get("/sign-in/code")
    answer = browser.post("/sign-in/code", {"code": browser.code()})
    assert answer.status_code == 400
    assert "Enter the current 6-digit code" in answer.text


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all (the shared ``db_url`` on PostgreSQL comes from a migrated template)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"empty_{uuid.uuid4().hex[:12]}")


def test_the_upgrade_seals_clear_secrets(empty_db_url: str) -> None:
    db = Database(empty_db_url, pool_size=1)
    try:
        with db.write() as conn:
            command.upgrade(_config(conn), "0006")
            conn.execute(
                sa.text(
                    "INSERT INTO users (user_id, username, display_name, role, organisation, disabled, created_at) "
                    "VALUES ('u1', 'staff1', 'Sam', 'hub_staff', 'MASH', false, 0)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO staff_credentials (user_id, password_hash, totp_secret, totp_pending, failed_count, "
                    "updated_at) VALUES ('u1', 'x', 'JBSWY3DPEHPK3PXP', 'KRSXG5CTMVRXEZLU', 0, 0)"
                )
            )
        assert "0009" in migrate(db)
        with db.read() as conn:
            row = conn.execute(sa.select(staff_credentials)).one()
            key = totp_key(conn)
            columns = {c["name"] for c in sa.inspect(conn).get_columns("staff_credentials")}
        assert open_totp(key, "u1", row.totp_sealed) == "JBSWY3DPEHPK3PXP"
        assert open_totp(key, "u1", row.totp_pending_sealed) == "KRSXG5CTMVRXEZLU"
        assert "totp_secret" not in columns
        assert "totp_pending" not in columns
    finally:
        db.dispose()


def test_hsts_only_over_https(app: FastAPI) -> None:
    for scheme, expected in (("https", "max-age=31536000; includeSubDomains"), ("http", None)):
        with httpx.Client(transport=PortalTransport(app), base_url=f"{scheme}://127.0.0.1") as client:
            page = client.get("/console/sign-in")
            assert page.status_code == 200
            assert page.headers.get("strict-transport-security") == expected
            assert client.get("/console/").headers.get("strict-transport-security") == expected  # a redirect too
            assert client.get("/healthz").headers.get("strict-transport-security") is None  # the device API's own


@pytest.mark.parametrize("how", ["revoked", "idle"])
def test_a_form_from_an_ended_session_gets_a_plain_page_and_saves_nothing(
    how: str, browser: Browser, staff: str, hub: Hub, clock: Clock
) -> None:
    record_id = push_referral(hub)
    browser.sign_in(staff)
    browser.get(f"/referrals/{record_id}")
    if how == "revoked":
        disable_user(hub.db, staff)
    else:
        clock.advance(IDLE_S + 1)
    answer = browser.post(f"/referrals/{record_id}/note", {"note": "Too late"})
    assert answer.status_code == 403
    page = soup(answer)
    heading = page.find("h1")
    assert heading is not None
    assert heading.get_text(strip=True) == "You have been signed out"
    assert page.find("a", href="/console/sign-in") is not None
    with hub.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(screening_events)).scalar_one() == 0
    assert browser.get("/").status_code == 303  # and the pages send them to sign in


def test_the_code_step_stays_plain_when_the_secret_never_existed(browser: Browser, staff: str) -> None:
    assert pyotp.random_base32()  # the set-up path: a pending secret is made, sealed, and opens again
    assert browser.password_step(staff).status_code == 303
    first = soup(browser.get("/sign-in/code")).find(id="secret")
    again = soup(browser.get("/sign-in/code")).find(id="secret")
    assert first is not None
    assert again is not None
    assert first.get_text(strip=True) == again.get_text(strip=True)
