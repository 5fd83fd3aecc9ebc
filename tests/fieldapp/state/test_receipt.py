"""The receipt screen's words: what happens next, one hash explained (or none), and the case to go back to."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from fieldapp._config import AppConfig
from fieldapp._services import Services
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.state.referral import ReferralReview, ReferralStatus
from forms import example_answers
from tests.fieldapp.conftest import PASSPHRASE
from tests.fieldapp.state.test_form_referral import CHILD
from tests.support.synchelp import InProcessHub


@pytest.fixture
def enrolled(tmp_path: Path) -> Iterator[Services]:
    hub = InProcessHub(tmp_path / "hub.sqlite3")
    svc = Services(AppConfig(data_dir=tmp_path / "d", fast_kdf=True), http_factory=hub.http)
    try:
        assert svc.create_vault(PASSPHRASE) == ""
        assert svc.enrol("http://127.0.0.1", hub.enrol_code("hv1")) == ""
        yield svc
    finally:
        svc.close()
        hub.close()


def _send_referral(svc: Services) -> tuple[UUID, UUID]:
    case_id, _ = create_case(svc, CHILD)
    assert case_id is not None
    form = FormSession(svc, case_id, "hv_concern")
    form.answers = copy.deepcopy(example_answers("hv_concern"))
    form.set("immediate_danger", False)
    for path in [w.path for w in form.state.warnings]:
        form.override(path, "Agreed with my safeguarding lead")
    record_id = form.submit()
    assert record_id is not None
    review = ReferralReview(svc, record_id)
    assert review.load()
    review.consent_confirmed = review.basis_confirmed = True
    referral_id = review.submit("HV1")
    assert referral_id is not None, review.error
    return case_id, referral_id


def test_before_the_hub_has_it_the_receipt_says_it_waits_and_shows_no_hash(enrolled: Services) -> None:
    case_id, referral_id = _send_referral(enrolled)
    status = ReferralStatus(enrolled, referral_id)
    assert status.load()
    assert status.case_id == case_id  # the way back to the case
    assert "next sync" in status.next_steps
    assert status.hash_line == ""
    assert status.receipt_lines == []


def test_once_received_it_says_what_the_mash_does_and_explains_one_hash(enrolled: Services) -> None:
    _case_id, referral_id = _send_referral(enrolled)
    assert enrolled.sync_now().last_error is None
    status = ReferralStatus(enrolled, referral_id)
    assert status.load()
    assert status.receipt_lines[0].startswith("Hub reference: ")
    assert status.receipt_lines[1].startswith("Received: ")
    assert not any("hash" in line.lower() for line in status.receipt_lines)  # the hash is said once, explained
    assert enrolled.repo is not None
    receipt = enrolled.repo.get_receipt(referral_id)
    assert receipt is not None
    assert status.hash_line.startswith(f"Check code {receipt.content_hash[:12]}:")
    assert "unchanged" in status.hash_line
    assert "screening officer" in status.next_steps
    assert "next sync" not in status.next_steps
