"""Fixtures for the console's page tests: a browser-like client (cookies, no redirects followed) on the ASGI app,
staff users with passwords, and referrals pushed by a health visitor's device. Each runs on SQLite and PostgreSQL
(``db_url`` in tests/hub/conftest.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI

import forms
from hub._signin import set_password
from tests.hub._asgi import PortalTransport
from tests.hub._records import authored, case_fields, form_fields
from tests.hub.conftest import Clock, Device, Hub, mutation, new_case

PASSWORD = "correct horse battery staple"


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf_of(response: httpx.Response) -> str:
    field = soup(response).find("input", attrs={"name": "csrf_token"})
    assert field is not None, response.text[:500]
    return str(field["value"])


class Browser:
    """A user at a browser: a cookie jar, the last CSRF token seen, and the authenticator app's secret."""

    def __init__(self, app: FastAPI, clock: Clock) -> None:
        self.client = httpx.Client(transport=PortalTransport(app), base_url="http://127.0.0.1", follow_redirects=False)
        self.clock = clock
        self.secret: str | None = None
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> httpx.Response:
        response = self.client.get("/console" + path, **kw)
        if response.status_code == 200 and 'name="csrf_token"' in response.text:
            self.csrf = csrf_of(response)
        return response

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = None) -> httpx.Response:
        body = {"csrf_token": self.csrf if csrf is None else csrf, **(data or {})}
        if csrf == "omit":
            body.pop("csrf_token")
        return self.client.post("/console" + path, data=body)

    def code(self, offset_steps: int = 0) -> str:
        assert self.secret is not None
        return pyotp.TOTP(self.secret).at(self.clock.now + 30 * offset_steps)

    def password_step(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/sign-in")
        return self.post("/sign-in", {"username": username, "password": password})

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        """The whole sign-in; sets up the second factor the first time. Returns the answer to the code."""
        response = self.password_step(username, password)
        assert response.status_code == 303, response.text
        page = self.get("/sign-in/code")
        secret = soup(page).find(id="secret")
        if secret is not None:
            self.secret = secret.get_text(strip=True)
        answer = self.post("/sign-in/code", {"code": self.code()})
        assert answer.status_code == 303, answer.text
        self.clock.advance(30)  # the next code is a new one
        assert self.get("/").status_code == 200  # the queue, and the session's CSRF token
        return answer

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def browser(app: FastAPI, clock: Clock) -> Iterator[Browser]:
    b = Browser(app, clock)
    yield b
    b.close()


@pytest.fixture
def staff(hub: Hub) -> str:
    """A hub staff user ``staff1`` with a password (no second factor yet)."""
    hub.user("staff1", "hub_staff")
    set_password(hub.db, "staff1", PASSWORD, actor="test")
    return "staff1"


def referral_fields(case_id: str, form: dict[str, Any] | None = None, by: str = "HV1", **case: Any) -> dict[str, Any]:
    """A referral as the device's builder makes it, about a child with ``case`` laid over the test case, from
    ``form`` (default: the school nurse's example referral form)."""
    child = case_fields(**{"postcode": "TQ1 2AB", "date_of_birth": "2012-03-14", **case})
    form = form or form_fields(by=by)
    form = {**form, "answers": authored(form["answers"], by)}  # the hub attests authors: they must be the pusher
    submitted = forms.SubmittedForm(record_id=str(uuid.uuid4()), **form)
    built = forms.build_referral(
        case_id=case_id,
        case=child,
        forms=[submitted],
        created_by=by,
        created_at=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC),
    )
    fields: dict[str, Any] = built.model_dump(mode="json")
    return fields


def push_referral(
    hub: Hub, case: dict[str, Any] | None = None, username: str = "hv1", form: dict[str, Any] | None = None
) -> str:
    """A case and a referral from a health visitor's device; returns the referral's record id."""
    device = hub.device(username)
    case_mutation = new_case(case)
    fields = referral_fields(case_mutation["record_id"], form, by=username.upper(), **(case or {}))
    referral = mutation("referral", fields, case_id=case_mutation["record_id"])
    results = device.push(case_mutation, referral)
    assert [r["outcome"] for r in results] == ["applied", "applied"], results
    DEVICES[str(referral["record_id"])] = device
    return str(referral["record_id"])


DEVICES: dict[str, Device] = {}
"""The referrer's device of each referral pushed by ``push_referral`` (to pull what the MASH sends back)."""
