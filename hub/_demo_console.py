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
from hub import _admin, _authorities, _screening, _signin, _store
from hub._db import Database
from hub._tables import records, users
from protocol import RecordType, Role, content_hash

DEMO_PASSWORD: Final = "demo console password"  # noqa: S105 - printed by the demo on purpose
# (child, hours since received, rating, authority, NHS number): Riley is known to Devon and Torbay both, so each MASH
# sees that the other knows the child.
_CHILDREN: Final = [
    ("Riley Demo", 0.5, "red", "torbay", "9434765919"),
    ("Casey Demo", 3, "amber", "torbay", None),
    ("Jamie Demo", 30, "green", "plymouth", None),
    ("Morgan Demo", 1, None, "cornwall", None),
    ("Taylor Demo", 50, "amber", "devon", None),
    ("Avery Demo", 5, "blue", "torbay", None),
    ("Riley Demo", 400, "blue", "devon", "9434765919"),
    ("Quinn Demo", 8, "amber", "cornwall", None),
]
POSTCODES: Final = {"devon": "EX1 1AA", "torbay": "TQ1 2AB", "plymouth": "PL1 1AA", "cornwall": "TR1 1AA"}
COMMISSIONER: Final = "commissioner1"


def _referral(name: str, when: dt.datetime, authority: str = "torbay", nhs: str | None = None) -> dict[str, JsonValue]:
    case: dict[str, JsonValue] = {"child_name": name, "postcode": POSTCODES[authority], "date_of_birth": "2019-05-02"}
    case |= {"nhs_number": nhs, "nhs_number_not_known": False} if nhs else {"nhs_number_not_known": True}
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


def _console_user(db: Database, username: str, name: str, role: str, authority: str | None, secret: str) -> None:
    _admin.create_user(db, username, name, role, "Demo", exist_ok=True, authority=authority)
    _signin.set_password(db, username, DEMO_PASSWORD, actor="demo")
    with db.write() as conn:
        user_id = conn.execute(sa.select(users.c.user_id).where(users.c.username == username)).scalar_one()
        _signin.store_totp_secret(conn, user_id, secret)


def demo_console(db: Database, staff_username: str = "staff1") -> dict[str, str]:
    """Give ``staff_username`` (every authority's referrals) a console password and TOTP secret; add each
    peninsula authority's own staff (``devon1``, ``torbay1``, ``plymouth1``, ``cornwall1``) and a commissioner
    (``commissioner1``), all with the same password and secret; add rated demo referrals across the four (once)."""
    _signin.set_password(db, staff_username, DEMO_PASSWORD, actor="demo")
    secret = pyotp.random_base32()
    for la in _authorities.PENINSULA:
        _console_user(db, f"{la.key}1", f"{la.name} screener", "hub_staff", la.code, secret)
    _console_user(db, COMMISSIONER, "Chris Commissioner", "commissioner", None, secret)
    with db.write() as conn:
        user_id = conn.execute(sa.select(users.c.user_id).where(users.c.username == staff_username)).scalar_one()
        _signin.store_totp_secret(conn, user_id, secret)
        have = conn.execute(sa.select(sa.func.count()).where(records.c.record_type == RecordType.REFERRAL.value))
        existing = int(have.scalar_one())
    staff = _signin.Staff(user_id, staff_username, "Sam Staff", Role.HUB_STAFF, "demo")
    if existing == 0:
        now = time.time()
        for name, hours_ago, rating, authority, nhs in _CHILDREN:
            received = now - hours_ago * 3600
            fields = _referral(name, dt.datetime.fromtimestamp(received, dt.UTC), authority, nhs)
            where = _authorities.find(authority)
            assert where is not None
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
                        "routed_to": where.label,
                        "receipt_at": received,
                        "receipt_ref": _store.hub_reference(conn, received),
                        "receipt_hash": content_hash(fields),
                    },
                )
            if rating:
                _screening.rate(db, staff, record_id, rating, now=received + 600)
    return {"username": staff_username, "password": DEMO_PASSWORD, "totp_secret": secret}
