"""A TOTP code sent twice at the same moment (two sign-ins racing) is accepted once: the credential row is locked
while the step is checked and written."""

from __future__ import annotations

import threading

import pyotp
import sqlalchemy as sa

from hub import Settings
from hub._console_tables import staff_credentials
from hub._signin import check_code, check_password, store_totp_secret
from tests.hub.conftest import Hub
from tests.hub.console.conftest import PASSWORD


def test_the_same_code_twice_at_once_is_accepted_once(hub: Hub, staff: str) -> None:
    secret = pyotp.random_base32()
    with hub.db.write() as conn:
        user_id = conn.execute(sa.select(staff_credentials.c.user_id)).scalar_one()
        store_totp_secret(conn, user_id, secret)
    settings = Settings(db_url=hub.db.url)
    pending = []
    for _ in range(4):
        step = check_password(hub.db, settings, staff, PASSWORD, "test")
        assert step.session_id is not None
        pending.append(step.session_id)
    code = pyotp.TOTP(secret).now()
    start = threading.Barrier(len(pending))
    results: list[bool] = []

    def sign_in(session_id: str) -> None:
        start.wait()
        results.append(check_code(hub.db, settings, session_id, code, "test").ok)

    threads = [threading.Thread(target=sign_in, args=(s,)) for s in pending]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False, False, False, True]
