"""A health visitor's inbox: a request to their team arrives, is answered with the team's form and reaches the hub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldapp._config import AppConfig
from fieldapp._services import Services
from fieldapp.state.form import FormSession
from fieldapp.state.inbox import InboxState, RequestState, has_inbox
from hub._admin import create_user, enrol_code
from hub._staff import create_request
from hub._tables import records
from tests.fieldapp.conftest import PASSPHRASE
from tests.support.synchelp import InProcessHub


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[InProcessHub]:
    h = InProcessHub(tmp_path / "hub.sqlite3")
    yield h
    h.close()


def _device(tmp_path: Path, hub: InProcessHub, username: str, role: str, team: str | None) -> Services:
    create_user(hub.db, username, f"Nurse {username}", role, "Torbay Health Visiting", team)
    svc = Services(AppConfig(data_dir=tmp_path / username, fast_kdf=True), http_factory=hub.http)
    assert svc.create_vault(PASSPHRASE) == ""
    assert svc.enrol("http://127.0.0.1", str(enrol_code(hub.db, username))) == ""
    return svc


def _ask(hub: InProcessHub, team: tuple[str, str]) -> str:
    create_user(hub.db, "staff1", "Sam Staff", "hub_staff", "Devon MASH", None, exist_ok=True)
    made = create_request(
        hub.db,
        team=team,
        child={"name": "Alex Example", "date_of_birth": "2024-03-01", "nhs_number": None},
        adults=[],
        rag="amber",
        questions=["When did the team last see Alex?"],
        requested_by="staff1",
    )
    return str(made["record_id"])


def test_a_health_visitor_answers_a_request_to_their_team(tmp_path: Path, hub: InProcessHub) -> None:
    request_id = _ask(hub, ("health_visiting", "RA9HV1"))
    hv = _device(tmp_path, hub, "hv1", "health_visitor", "RA9HV1")
    other = _device(tmp_path, hub, "hv2", "health_visitor", "RA9HV2")
    try:
        assert [has_inbox(r) for r in ("health_visitor", "school_nurse", "gp")] == [True, True, True]
        assert not has_inbox("hub_staff")
        assert hv.sync_now().last_error is None
        assert other.sync_now().last_error is None
        assert InboxState(other).load() == []  # another team's health visitor never receives it
        rows = InboxState(hv).load()
        assert [(r.record_id, r.child, r.answered) for r in rows] == [(request_id, "Alex Example", "")]

        st = RequestState(hv, rows[0].record_id)  # type: ignore[arg-type]
        assert st.load()
        assert st.form_id == "team_response"
        assert st.addressed_to == "Your health visiting team (RA9HV1)"
        assert st.questions == ["When did the team last see Alex?"]

        form = FormSession(hv, rows[0].case_id, st.form_id, request=st.body, draft_key=request_id)  # type: ignore[arg-type]
        assert form.get("request_reference") == st.body["reference"]  # prefilled from the request
        assert form.get("team_code") == "RA9HV1"
        assert form.get("responder_name") == "Nurse hv1"  # the enrolled user
        form.set("nothing_known", True)
        assert not form.visible("team_analysis")
        now = datetime.now(UTC)
        form.set("responded_at", now.isoformat(timespec="minutes"))
        form.set("signature", {"signed_by": "Nurse hv1", "signed_at": now.isoformat(), "attested": True})
        assert form.blocking() == [], form.blocking()
        assert form.submit(extra={"request_id": request_id}) is not None
        assert hv.sync_now().last_error is None

        with hub.db.read() as conn:
            answer = conn.execute(
                sa.select(records.c.team, records.c.team_role).where(records.c.request_id == request_id)
            ).one()
        assert tuple(answer) == ("RA9HV1", "health_visitor")
        assert InboxState(hv).load()[0].answered.startswith("Answered")
    finally:
        hv.close()
        other.close()
