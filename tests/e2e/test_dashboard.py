"""The commissioning dashboard in real Chromium, on the demo hub: a commissioner signs in (password and TOTP), reads
counts only (no child's name anywhere on the page), narrows the view to one authority with the filters, downloads a
table as CSV and is kept out of the referral pages. axe-core finds no serious or critical violation on either view;
the hub's audit trail holds each view with its filters."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from hub._db import Database
from hub._tables import audit
from tests.e2e.test_console import _check
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
_DEMO_CHILDREN = ["Riley Demo", "Casey Demo", "Jamie Demo", "Morgan Demo", "Taylor Demo", "Avery Demo", "Quinn Demo"]


def test_a_commissioner_reads_counts_only_and_narrows_them(browser: Browser, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    with HubProcess(url) as hub:
        printed = hub.cli("demo")
        line = next(x for x in printed.splitlines() if x.startswith("console user: staff1"))
        secret = line.rsplit(": ", 1)[1].strip()
        password = re.search(r"password: '([^']+)'", line).group(1)  # type: ignore[union-attr]
        context = browser.new_context(base_url=hub.base_url, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        try:
            page.goto("/console/sign-in")
            page.get_by_label("Username").fill("commissioner1")
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Sign in").click()
            page.goto("/console/dashboard")
            expect(page.get_by_role("heading", name="Where the need is", level=1)).to_be_visible()
            expect(page.get_by_role("heading", name="Referrals by local authority", exact=True)).to_be_visible()
            _check(page, "dashboard-1-all")
            text = page.locator("main").inner_text()
            assert "All authorities" in text
            assert not [name for name in _DEMO_CHILDREN if name in text]  # counts, never a child
            assert "943 476 5919" not in text
            assert "9434765919" not in text

            page.get_by_label("Local authority", exact=True).select_option(label="Torbay Council")
            page.get_by_role("button", name="Show").click()
            expect(page).to_have_url(re.compile(r"authority=E06000027"))
            expect(page.locator("main")).to_contain_text("Counts of referrals for Torbay Council")
            _check(page, "dashboard-2-torbay")
            with page.expect_download() as download:
                page.get_by_role("link", name=re.compile("Download this table.*Referrals by local authority")).click()
            rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
            assert rows[0][0] == "Local authority"
            counts = {r[0]: r[1] for r in rows[1:]}
            assert counts.get("Torbay Council") not in (None, "0")  # the demo has Torbay referrals
            others = [name for name in counts if name.split()[0] in ("Devon", "Plymouth", "Cornwall")]
            assert not [name for name in others if counts[name] not in ("0", "")], counts

            page.goto("/console/")  # the queue is not a commissioner's: the console's front page is the dashboard
            expect(page.get_by_role("heading", name="Where the need is", level=1)).to_be_visible()
            expect(page.get_by_role("heading", name="Referrals to screen")).to_have_count(0)
            assert "Riley Demo" not in page.locator("main").inner_text()
        finally:
            context.close()
        assert not errors, errors
        db = Database(url, pool_size=1)
        try:
            with db.read() as conn:
                views = conn.execute(
                    sa.select(audit.c.action, audit.c.detail)
                    .where(audit.c.actor == "commissioner1", audit.c.action.like("console.dashboard%"))
                    .order_by(audit.c.audit_id)
                ).all()
        finally:
            db.dispose()
    # Signing in lands on the dashboard, then the test's own visit, Torbay, its CSV and the front page again.
    page_view, csv_view = "console.dashboard_page", "console.dashboard_csv:authority"
    assert [v.action for v in views] == [page_view, page_view, page_view, csv_view, page_view]
    assert [json.loads(v.detail)["authority"] for v in views] == ["", "", "E06000027", "E06000027", ""]
