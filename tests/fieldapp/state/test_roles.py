"""Each role's way in: the landing screen after unlock, "Raise a concern" opening the role's own form, and hub staff
refused at enrolment with a plain message (their code is not spent)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp._config import AppConfig
from fieldapp._routes import landing, stack
from fieldapp._services import Services
from fieldapp.state.case import concern_form
from fieldapp.state.enrol import EnrolState
from fieldapp.state.inbox import response_form
from protocol import Role, UserInfo
from sync import ConsoleUser, HubClient
from tests.fieldapp.conftest import PASSPHRASE
from tests.support.synchelp import InProcessHub


class Enrolled:
    """Just enough of the services for the role decisions: who is enrolled."""

    def __init__(self, role: Role | None) -> None:
        self.role = role

    def credentials(self) -> object:
        if self.role is None:
            return None

        class Creds:
            user = UserInfo(
                user_id=uuid.uuid4(), username="u1", display_name="U One", role=self.role, organisation="Devon"
            )

        return Creds()


def test_landing_after_unlock_per_role() -> None:
    assert landing(Role.GP) == "/inbox"
    assert landing(Role.HEALTH_VISITOR) == "/caseload"
    assert landing(Role.SCHOOL_NURSE) == "/caseload"
    assert landing(None) == "/caseload"


def test_the_back_arrow_ends_on_the_roles_own_landing_screen() -> None:
    """A GP's back arrow leads to the inbox, never to a caseload; a health visitor's inbox sits on her caseload."""
    gp = landing(Role.GP)
    assert [p for p, _, _ in stack("/inbox", gp)] == ["/inbox"]
    assert [p for p, _, _ in stack("/request/r1/respond", gp)] == ["/inbox", "/request/r1", "/request/r1/respond"]
    assert [p for p, _, _ in stack("/sync", gp)] == ["/inbox", "/sync"]
    assert [p for p, _, _ in stack("/settings", gp)] == ["/inbox", "/settings"]
    hv = landing(Role.HEALTH_VISITOR)
    assert [p for p, _, _ in stack("/request/r1", hv)] == ["/caseload", "/inbox", "/request/r1"]
    assert [p for p, _, _ in stack("/sync", hv)] == ["/caseload", "/sync"]


@pytest.mark.parametrize(
    ("role", "form"),
    [(Role.HEALTH_VISITOR, "hv_concern"), (Role.SCHOOL_NURSE, "sn_referral"), (Role.GP, None), (None, "hv_concern")],
)
def test_raise_a_concern_opens_the_roles_own_form(role: Role | None, form: str | None) -> None:
    assert concern_form(Enrolled(role)) == form  # type: ignore[arg-type]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


@pytest.mark.parametrize("role", ["hub_staff", "manager", "admin"])
def test_a_console_user_is_told_to_use_the_console(tmp_path: Path, hub: InProcessHub, role: str) -> None:
    svc = Services(AppConfig(data_dir=tmp_path / "d", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        code = hub.enrol_code("console1", role)
        st = EnrolState(svc, hub_url="http://127.0.0.1", code=code)
        assert not st.submit()
        assert "MASH console" in st.error
        assert "web browser" in st.error
        assert "not used" in st.error
        assert svc.credentials() is None
        assert svc.engine is None
    finally:
        svc.close()
    # The code was not spent: a tool on the device API can still use it.
    client = HubClient("http://127.0.0.1", http=hub.http())
    assert client.enrol(code, "checker").user.username == "console1"


def test_the_client_raises_console_user(hub: InProcessHub) -> None:
    client = HubClient("http://127.0.0.1", http=hub.http())
    with pytest.raises(ConsoleUser) as refused:
        client.enrol(hub.enrol_code("staff1", "hub_staff"), "tablet", field_app=True)
    assert "MASH console" in str(refused.value)


def test_a_school_nurse_enrols_and_raises_her_own_form(tmp_path: Path, hub: InProcessHub) -> None:
    svc = Services(AppConfig(data_dir=tmp_path / "d", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        assert svc.enrol("http://127.0.0.1", hub.enrol_code("sn1", "school_nurse")) == ""
        assert concern_form(svc) == "sn_referral"
    finally:
        svc.close()


def test_a_request_is_answered_with_its_addressees_form() -> None:
    assert response_form({"practice_ods": "A81001"}) == "gp_response"
    assert response_form({"team": {"kind": "health_visiting", "code": "RA9HV1"}}) == "team_response"
    assert response_form({"team": {"kind": "school_nursing", "code": "RA9SN1"}}) == "team_response"
