"""Linking and the chronology in real Chromium, against a real hub: two agencies' referrals about one child (written
differently, synced out of order) link to one child record; the second referral's page shows the first under
"What is already known"; the chronology lists the health visitor's, the school nurse's and the MASH's events in the
order they happened, not the order they synced. axe-core finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, expect

import forms
from tests.e2e.test_console import _check
from tests.hub._records import authored, form_fields
from tests.hub.conftest import mutation, new_case
from tests.support.hubproc import HubProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _push_referral(base_url: str, code: str, form_id: str, name: str, dob: str, written: dt.datetime) -> str:
    """A field device: enrol, then push a case and a referral about ``name`` written at ``written``."""
    with httpx.Client(base_url=base_url, timeout=30) as device:
        creds = device.post("/v1/enrol", json={"code": code, "device_name": f"{form_id}-tablet"}).json()
        auth = {"Authorization": f"Bearer {creds['access_token']}"}
        by = creds["user"]["display_name"]
        form = form_fields(form_id, by=by)
        answers: dict[str, Any] = json.loads(json.dumps(authored(form["answers"], by)))
        child = answers["children"][0]
        child.update(child_name=name, date_of_birth=dob, postcode="TQ1 2AB")
        child.pop("nhs_number", None)
        for injury in child.get("injuries") or []:
            injury.pop("photo", None)  # no photograph uploaded in this test
        child["nhs_number_not_known"] = True
        answers["children"] = [child]
        case = new_case({"child_name": name, "date_of_birth": dob, "postcode": "TQ1 2AB"})
        submitted = forms.SubmittedForm(record_id=str(uuid.uuid4()), **{**form, "answers": answers})
        built = forms.build_referral(
            case_id=case["record_id"], case=case["fields"], forms=[submitted], created_by=by, created_at=written
        )
        referral = mutation("referral", built.model_dump(mode="json"), case_id=case["record_id"])
        results = device.post("/v1/push", json={"mutations": [case, referral]}, headers=auth).json()["results"]
        assert [r["outcome"] for r in results] == ["applied", "applied"], results
        return str(referral["record_id"])


def test_a_second_referral_shows_the_first_and_the_chronology_is_in_order(browser: Browser, tmp_path: Path) -> None:
    with HubProcess(f"sqlite:///{tmp_path / 'hub.sqlite3'}") as hub:
        printed = hub.cli("demo")
        line = next(x for x in printed.splitlines() if x.startswith("console user: staff1"))
        secret = line.rsplit(": ", 1)[1].strip()
        password = re.search(r"password: '([^']+)'", line).group(1)  # type: ignore[union-attr]
        codes = {
            x.split(": ")[0].rsplit(" ", 1)[1]: x.split(": ")[1]
            for x in printed.splitlines()
            if x.startswith("enrolment code for")
        }
        # The school nurse's referral syncs first, though the health visitor wrote hers that morning.
        nurse = _push_referral(
            hub.base_url, codes["nurse1"], "sn_referral", "Morwenna Penrose", "2020-06-15",
            dt.datetime(2026, 11, 30, 15, tzinfo=dt.UTC),
        )  # fmt: skip
        visitor = _push_referral(
            hub.base_url, codes["hv1"], "hv_concern", "Morwena Penrose", "2020-06-15",
            dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC),
        )  # fmt: skip
        context = browser.new_context(base_url=hub.base_url)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            page.goto("/console/sign-in")
            page.get_by_label("Username").fill("staff1")
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Referrals to screen")).to_be_visible()

            page.goto(f"/console/referrals/{visitor}")
            earlier = page.locator("#earlier tbody tr")
            expect(earlier).to_have_count(1)
            expect(earlier.get_by_role("link")).to_have_attribute("href", f"/console/referrals/{nurse}")
            _check(page, "linking-1-known")
            page.get_by_label("Red", exact=True).check()
            page.get_by_role("button", name="Save rating").click()
            expect(page.get_by_text("Rating saved")).to_be_visible()

            page.get_by_role("link", name=re.compile(r"^Chronology for")).first.click()
            expect(page.get_by_role("heading", name=re.compile(r"^Chronology"))).to_be_visible()
            rows = page.locator("#chronology tbody tr")
            expect(rows).to_have_count(3)
            expect(page.locator("#chronology tbody tr td.console-agency")).to_have_text(
                ["Health visiting", "School nursing", "MASH"]
            )
            expect(rows.nth(0).get_by_role("link")).to_have_attribute("href", f"/console/referrals/{visitor}")
            _check(page, "linking-2-chronology")
            assert not errors, errors
        finally:
            context.close()
