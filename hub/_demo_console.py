"""The console's part of ``python -m hub demo``: a staff user with a password and a second factor, and referrals
with a range of ratings and deadlines in the queue. Demo data only: the password and secret are printed on purpose.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Final

import pyotp
import sqlalchemy as sa
from pydantic import JsonValue

import forms
from hub import _screening, _signin, _store
from hub._db import Database
from hub._tables import records, users
from protocol import RecordType, Role, content_hash

DEMO_PASSWORD: Final = "demo console password"  # noqa: S105 - printed by the demo on purpose
# (child, hours since received, rating)
_CHILDREN: Final = [
    ("Riley Demo", 0.5, "red"),
    ("Casey Demo", 3, "amber"),
    ("Jamie Demo", 30, "green"),
    ("Morgan Demo", 1, None),
    ("Taylor Demo", 50, "amber"),
    ("Avery Demo", 5, "blue"),
]


def _referral(name: str, when: dt.datetime) -> dict[str, JsonValue]:
    case = {"child_name": name, "nhs_number_not_known": True, "postcode": "TQ1 2AB", "date_of_birth": "2019-05-02"}
    spec = forms.load_spec("sn_referral")
    submitted = forms.SubmittedForm(
        record_id=str(uuid.uuid4()),
        form_id="sn_referral",
        form_version=spec.version,
        spec_hash=forms.spec_hash(spec),
        answers=forms.example_answers("sn_referral"),
    )
    built = forms.build_referral(
        case_id=str(uuid.uuid4()), case=case, forms=[submitted], created_by="Nia Nurse", created_at=when
    )
    fields: dict[str, JsonValue] = built.model_dump(mode="json")
    return fields


def demo_console(db: Database, staff_username: str = "staff1") -> dict[str, str]:
    """Give ``staff_username`` a console password and TOTP secret; add rated demo referrals (once)."""
    _signin.set_password(db, staff_username, DEMO_PASSWORD, actor="demo")
    secret = pyotp.random_base32()
    with db.write() as conn:
        user_id = conn.execute(sa.select(users.c.user_id).where(users.c.username == staff_username)).scalar_one()
        _signin.store_totp_secret(conn, user_id, secret)
        have = conn.execute(sa.select(sa.func.count()).where(records.c.record_type == RecordType.REFERRAL.value))
        existing = int(have.scalar_one())
    staff = _signin.Staff(user_id, staff_username, "Sam Staff", Role.HUB_STAFF, "demo")
    if existing == 0:
        now = time.time()
        for name, hours_ago, rating in _CHILDREN:
            received = now - hours_ago * 3600
            fields = _referral(name, dt.datetime.fromtimestamp(received, dt.UTC))
            record_id = str(uuid.uuid4())
            with db.write() as conn:
                _store.insert_record(
                    conn,
                    now=received,
                    record_id=record_id,
                    record_type=RecordType.REFERRAL.value,
                    case_id=str(fields["case_id"]),
                    fields=fields,
                    user_id=user_id,
                    mutation_id=None,
                    keep_versions=False,
                    extra={
                        "status": "received",
                        "routed_to": "Torbay",
                        "receipt_at": received,
                        "receipt_ref": _store.hub_reference(conn, received),
                        "receipt_hash": content_hash(fields),
                    },
                )
            if rating:
                _screening.rate(db, staff, record_id, rating, now=received + 600)
    return {"username": staff_username, "password": DEMO_PASSWORD, "totp_secret": secret}
