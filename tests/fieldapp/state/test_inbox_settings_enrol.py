from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from fieldapp._config import AppConfig, parse_config
from fieldapp._routes import match, stack
from fieldapp._services import Services, VaultStatus
from fieldapp.state.enrol import EnrolState
from fieldapp.state.inbox import countdown
from fieldapp.state.settings import SettingsState
from tests.fieldapp.conftest import PASSPHRASE
from tests.support.synchelp import InProcessHub
from tests.support.webapp import free_port


def test_countdown() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert countdown("2026-11-30T13:20:00+00:00", now) == "Due in 3 h 20 min"
    assert countdown("2026-12-02T12:00:00+00:00", now) == "Due in 2 days 2 h"
    assert countdown("2026-11-30T09:30:00+00:00", now) == "Overdue by 30 min"
    assert countdown("not a date", now) == "Deadline not known"


def test_routes() -> None:
    found = match("/case/abc/form/hv_concern?request=x")
    assert found is not None
    assert found[0].name == "form"
    assert found[1] == {"case_id": "abc", "form_id": "hv_concern"}
    assert [p for p, _, _ in stack("/case/abc/note")] == ["/caseload", "/case/abc", "/case/abc/note"]
    assert match("/nowhere") is None


def test_config_precedence(tmp_path: Path) -> None:
    env = {"MASH_FIELDAPP_DATA": str(tmp_path / "env"), "MASH_FIELDAPP_TEST_IDLE_S": "3"}
    assert parse_config([], env).data_dir == (tmp_path / "env").resolve()
    cfg = parse_config(["--data-dir", str(tmp_path / "cli"), "--web", "--port", "8555"], env)
    assert cfg.data_dir == (tmp_path / "cli").resolve()
    assert cfg.web
    assert cfg.port == 8555
    assert cfg.idle_timeout_s == 3.0
    assert not cfg.fast_kdf
    assert parse_config([], {}).data_dir.name == "mash-field"


def test_settings_passphrase_timeout_erase(unlocked: Services) -> None:
    st = SettingsState(unlocked)
    assert "Not enrolled" in st.enrolment()
    assert not st.change_passphrase("wrong one entirely", "new words for the vault", "new words for the vault")
    assert st.error == "The current passphrase is not right."
    assert not st.change_passphrase(PASSPHRASE, "password", "password")
    assert "too easy" in st.error
    new = "cobalt heron sings beneath bridges"
    assert st.change_passphrase(PASSPHRASE, new, new)
    st.set_timeout_minutes("2")
    assert unlocked.idle_timeout_s == 120.0
    assert not st.erase("yes")
    assert st.error == "Type ERASE to confirm."
    assert st.erase("ERASE")
    assert unlocked.vault_status() is VaultStatus.ERASED


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


def test_enrol_errors_are_messages(tmp_path: Path, hub: InProcessHub) -> None:
    svc = Services(AppConfig(data_dir=tmp_path / "d", fast_kdf=True, hub_url="http://127.0.0.1:1"))
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        st = EnrolState(svc)
        assert st.hub_url == "http://127.0.0.1:1"  # prefilled from --hub-url
        st.hub_url = f"http://127.0.0.1:{free_port()}"
        st.code = "ABCDEFGH"
        assert not st.submit()
        assert "cannot be reached" in st.error
        st.hub_url = "http://hub.example.org"
        assert not st.submit()
        assert "https" in st.error
        st.code = "abc"
        assert not st.submit()
        assert "one-time code" in st.error
    finally:
        svc.close()

    svc = Services(AppConfig(data_dir=tmp_path / "e", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        st = EnrolState(svc, hub_url="http://127.0.0.1")
        st.code = "NOTACODE1"
        assert not st.submit()
        assert "not valid" in st.error
        st.code = hub.enrol_code("hv1")
        assert st.submit(), st.error
        assert "hv1" in st.who()
        assert svc.engine is not None
        status = svc.sync_now()
        assert status.last_error is None
    finally:
        svc.close()


def test_revoked_device_erases_and_says_so(tmp_path: Path, hub: InProcessHub) -> None:
    svc = Services(AppConfig(data_dir=tmp_path / "r", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        assert svc.enrol("http://127.0.0.1", hub.enrol_code("hv2")) == ""
        creds = svc.credentials()
        assert creds is not None
        hub.revoke(str(creds.device_id))
        svc.sync_now()
        assert svc.vault_status() is VaultStatus.ERASED
    finally:
        svc.close()


def test_an_untrusted_hub_certificate_is_a_plain_message(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed: unable to get local issuer certificate")
        except ssl.SSLCertVerificationError as exc:
            raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=request) from exc

    svc = Services(
        AppConfig(data_dir=tmp_path / "d", fast_kdf=True),
        http_factory=lambda: httpx.Client(transport=httpx.MockTransport(refuse)),
    )
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        st = EnrolState(svc, hub_url="https://hub.council.example")
        st.code = "ABCDEFGH"
        assert not st.submit()
        assert st.error.startswith("This computer does not trust the hub's certificate.")
        assert "--ca-bundle" in st.error
    finally:
        svc.close()


def test_the_ca_bundle_comes_from_the_command_line_or_the_environment(tmp_path: Path) -> None:
    assert parse_config(["--ca-bundle", "/etc/ca.pem"], env={}).ca_bundle == "/etc/ca.pem"
    assert parse_config([], env={"MASH_CA_BUNDLE": "/srv/ca.pem"}).ca_bundle == "/srv/ca.pem"
    assert parse_config([], env={}).ca_bundle is None
