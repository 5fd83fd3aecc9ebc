"""Enrolment and tokens: one-time codes, expiry, rotation, reuse detection, revocation, disabled users."""

from __future__ import annotations

import hashlib
import threading
import time

import httpx
import pytest
import sqlalchemy as sa

from hub import _auth
from hub._admin import audit_trail, disable_user, enrol_code, list_devices, revoke_device
from hub._secrets import new_key, successor_pair
from hub._tables import access_tokens, hub_keys, refresh_tokens
from protocol import Credentials
from tests.hub.conftest import Clock, Device, Hub, new_case


def _code(hub: Hub, username: str = "hv1") -> str:
    hub.user(username, "health_visitor")
    return enrol_code(hub.db, username)


def test_enrol_gives_credentials_bound_to_a_new_device(hub: Hub, client: httpx.Client) -> None:
    response = client.post("/v1/enrol", json={"code": _code(hub), "device_name": "tablet"})
    assert response.status_code == 200
    creds = response.json()
    assert creds["user"]["username"] == "hv1"
    assert creds["user"]["role"] == "health_visitor"
    assert [d["device_id"] for d in list_devices(hub.db, "hv1")] == [creds["device_id"]]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {creds['access_token']}"})
    assert me.status_code == 200
    assert me.json()["device_id"] == creds["device_id"]
    assert me.json()["lease_expires_at"] > me.json()["server_time"]


def test_enrolment_code_is_single_use_and_ignores_case_and_dashes(hub: Hub, client: httpx.Client) -> None:
    code = _code(hub)
    typed = code.lower().replace("-", " ")
    assert client.post("/v1/enrol", json={"code": typed, "device_name": "a"}).status_code == 200
    again = client.post("/v1/enrol", json={"code": code, "device_name": "b"})
    assert again.status_code == 401
    assert again.json()["code"] == "enrolment_invalid"


def test_a_code_of_another_user_is_refused_unspent_when_the_device_asks(hub: Hub, client: httpx.Client) -> None:
    """A device holding hv1's unsent work enrols only for hv1: hv2's code is refused and still works afterwards."""
    hv1 = client.post("/v1/enrol", json={"code": _code(hub, "hv1"), "device_name": "a"}).json()["user"]["user_id"]
    code = _code(hub, "hv2")
    refused = client.post("/v1/enrol", json={"code": code, "device_name": "a", "only_for_user": hv1})
    assert refused.status_code == 409
    assert refused.json()["code"] == "enrolment_other_user"
    assert list_devices(hub.db, "hv2") == []  # no stray device
    mine = client.post("/v1/enrol", json={"code": _code(hub, "hv1"), "device_name": "a", "only_for_user": hv1})
    assert mine.status_code == 200
    later = client.post("/v1/enrol", json={"code": code, "device_name": "b"})
    assert later.status_code == 200
    assert later.json()["user"]["username"] == "hv2"


@pytest.mark.parametrize("role", ["hub_staff", "manager", "admin"])
def test_the_field_app_refuses_a_console_users_code_unspent(hub: Hub, client: httpx.Client, role: str) -> None:
    """Hub staff, managers and admins use the MASH console: the field app's enrolment with their code is refused,
    makes no device and leaves the code working (for a tool on the device API, which does not say it is the app)."""
    hub.user("console1", role)
    code = enrol_code(hub.db, "console1")
    refused = client.post("/v1/enrol", json={"code": code, "device_name": "tablet", "field_app": True})
    assert refused.status_code == 403
    assert refused.json()["code"] == "enrolment_console_user"
    assert list_devices(hub.db, "console1") == []
    later = client.post("/v1/enrol", json={"code": code, "device_name": "checker"})
    assert later.status_code == 200
    assert later.json()["user"]["username"] == "console1"


@pytest.mark.parametrize("role", ["health_visitor", "school_nurse", "gp"])
def test_the_field_app_enrols_each_field_role(hub: Hub, client: httpx.Client, role: str) -> None:
    hub.user("field1", role, ods="A81001" if role == "gp" else None)
    response = client.post(
        "/v1/enrol", json={"code": enrol_code(hub.db, "field1"), "device_name": "tablet", "field_app": True}
    )
    assert response.status_code == 200
    assert response.json()["user"]["role"] == role


def test_a_used_console_code_is_refused_as_used(hub: Hub, client: httpx.Client) -> None:
    hub.user("staff1", "hub_staff")
    code = enrol_code(hub.db, "staff1")
    assert client.post("/v1/enrol", json={"code": code, "device_name": "checker"}).status_code == 200
    again = client.post("/v1/enrol", json={"code": code, "device_name": "tablet", "field_app": True})
    assert again.json()["code"] == "enrolment_invalid"


def test_enrolment_code_expires(hub: Hub, client: httpx.Client, clock: Clock) -> None:
    hub.user("hv1", "health_visitor")
    code = enrol_code(hub.db, "hv1", ttl_s=60)
    # The code's life starts on the wall clock; the test clock started with the fixture, maybe seconds earlier on a
    # busy machine (PostgreSQL's set-up): start it from the code's creation, then move past its minute.
    clock.now = max(clock.now, time.time())
    clock.advance(61)
    response = client.post("/v1/enrol", json={"code": code, "device_name": "a"})
    assert response.json()["code"] == "enrolment_invalid"


def test_unknown_code_refused(client: httpx.Client) -> None:
    response = client.post("/v1/enrol", json={"code": "AAAA-BBBB-CCCC", "device_name": "a"})
    assert response.status_code == 401
    assert response.json()["code"] == "enrolment_invalid"


def test_missing_and_garbage_tokens(client: httpx.Client) -> None:
    assert client.post("/v1/sync", json={}).json()["code"] == "token_missing"
    bad = client.post("/v1/sync", json={}, headers={"Authorization": "Bearer at_nonsense"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "token_invalid"
    basic = client.get("/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_access_token_expires_and_refresh_rotates(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    assert device.sync().status_code == 200
    clock.advance(11 * 60)  # default access lifetime is 10 minutes
    expired = device.sync()
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_expired"
    refreshed = hub.client.post("/v1/token/refresh", json={"refresh_token": device.creds["refresh_token"]})
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != device.creds["refresh_token"]
    assert new["device_id"] == device.creds["device_id"]
    device.creds = new
    assert device.sync().status_code == 200


def _token_rows(hub: Hub) -> list[tuple[object, ...]]:
    with hub.db.read() as conn:
        rows = [tuple(r) for r in conn.execute(sa.select(refresh_tokens).order_by(refresh_tokens.c.token_hash))]
        return rows + [tuple(r) for r in conn.execute(sa.select(access_tokens).order_by(access_tokens.c.token_hash))]


def _refresh(hub: Hub, token: str) -> httpx.Response:
    return hub.client.post("/v1/token/refresh", json={"refresh_token": token})


def _assert_family_dead(hub: Hub, device: Device, *pairs: dict[str, str]) -> None:
    for pair in pairs:
        if "refresh_token" in pair:
            after = _refresh(hub, pair["refresh_token"])
            assert after.status_code == 401
            assert after.json()["code"] in ("token_invalid", "refresh_reused")
        device.creds = {**device.creds, **pair}
        assert device.sync().json()["code"] == "token_invalid"


def test_replayed_refresh_token_revokes_the_whole_family(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    clock.advance(1)
    rotated = _refresh(hub, first).json()
    device.creds = rotated
    assert device.sync().status_code == 200  # the device got the answer: the successor is in use
    # The old one comes back (a thief): the family dies.
    reused = _refresh(hub, first)
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_reused"
    # Both the new refresh token and the new access token are dead too.
    _assert_family_dead(hub, device, rotated)


def test_reuse_after_the_successor_refresh_token_was_used_revokes_the_family(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    clock.advance(1)
    second = _refresh(hub, first).json()
    clock.advance(1)
    third = _refresh(hub, second["refresh_token"])
    assert third.status_code == 200
    reused = _refresh(hub, first)
    assert reused.json()["code"] == "refresh_reused"
    _assert_family_dead(hub, device, third.json())


def test_retry_after_a_lost_answer_gets_the_same_pair_and_nothing_new(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    clock.advance(1)
    lost = _refresh(hub, first)  # the hub rotated, but the answer never reached the device
    assert lost.status_code == 200
    clock.advance(60)
    # The device still holds only the old pair; using the old access token proves nothing about the lost answer.
    assert device.sync().status_code == 200
    tokens_before = _token_rows(hub)
    retried = _refresh(hub, first)
    assert retried.status_code == 200, retried.text
    again = retried.json()
    # The very answer that was lost: same tokens, same expiry; nothing minted, nothing revoked.
    lost_pair = (lost.json()["access_token"], lost.json()["refresh_token"])
    assert (again["access_token"], again["refresh_token"]) == lost_pair
    assert again["access_expires_at"] == lost.json()["access_expires_at"]
    assert _token_rows(hub) == tokens_before
    device.creds = again
    assert device.sync().status_code == 200
    # Once the pair is in use, the old token coming back again is reuse after all.
    assert _refresh(hub, first).json()["code"] == "refresh_reused"
    _assert_family_dead(hub, device, again)


def test_a_copy_presented_in_the_window_never_locks_out_the_device_that_holds_the_pair(hub: Hub, clock: Clock) -> None:
    """The review's case: the device rotates and gets its answer; a copy of the old token comes in within the window.
    Before, the copy got a fresh pair and the device's own pair was revoked. Now the copy can only get the device's
    pair repeated, and the first sign of two holders (the old token after the pair was used) kills the family."""
    device = hub.device("hv1")
    stolen = device.creds["refresh_token"]
    clock.advance(1)
    mine = _refresh(hub, stolen).json()  # the device's own rotation: it got the answer
    copy = _refresh(hub, stolen)  # a copy of the old token, inside the retry window, before the device used its pair
    assert copy.status_code == 200
    assert copy.json()["refresh_token"] == mine["refresh_token"]  # nothing of its own to take the family with
    device.creds = mine
    assert device.sync().status_code == 200  # the device is not locked out
    clock.advance(1)
    nxt = _refresh(hub, mine["refresh_token"])
    assert nxt.status_code == 200
    device.creds = nxt.json()
    assert device.sync().status_code == 200
    assert _refresh(hub, stolen).json()["code"] == "refresh_reused"  # two holders: the whole family goes
    _assert_family_dead(hub, device, nxt.json())


def test_successor_pairs_depend_on_the_hubs_secret_key(hub: Hub, clock: Clock) -> None:
    """The pair is an HMAC under the hub's own key: holding a token (even an old one) does not give its successor."""
    device = hub.device("hv1")
    token = device.creds["refresh_token"]
    clock.advance(1)
    pair = _refresh(hub, token).json()
    with hub.db.read() as conn:
        key = conn.execute(sa.select(hub_keys.c.value).where(hub_keys.c.name == "refresh_hmac")).scalar_one()
    assert len(key) >= 43  # 256 random bits
    assert successor_pair(key, token) == (pair["access_token"], pair["refresh_token"])
    assert successor_pair(new_key(), token) != successor_pair(key, token)
    assert hashlib.sha256(token.encode()).hexdigest() not in pair.values()


def test_the_old_access_token_never_counts_as_proof_even_in_the_same_instant(hub: Hub) -> None:
    """Which refresh issued an access token is stored, not inferred from times: a clock that has not moved between
    enrolment and a lost refresh answer must not make the old access token look like the successor's."""
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    assert _refresh(hub, first).status_code == 200  # answer lost
    assert device.sync().status_code == 200  # the old access token, still valid
    retried = _refresh(hub, first)
    assert retried.status_code == 200, retried.text


def test_a_device_that_lost_the_answer_still_hears_token_expired(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    clock.advance(11 * 60)  # the access token has expired: the device refreshes
    assert _refresh(hub, device.creds["refresh_token"]).status_code == 200  # ... and loses the answer
    clock.advance(5)
    # Its next request still uses the expired token: "expired" sends it to refresh again, "invalid" would not.
    assert device.sync().json()["code"] == "token_expired"
    retried = _refresh(hub, device.creds["refresh_token"])
    assert retried.status_code == 200
    device.creds = retried.json()
    assert device.sync().status_code == 200


def test_retry_may_repeat_while_every_answer_is_lost(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    clock.advance(1)
    answers = [_refresh(hub, first) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.json()["refresh_token"] for a in answers}) == 1  # the same answer each time
    device.creds = answers[-1].json()
    assert device.sync().status_code == 200
    assert _refresh(hub, device.creds["refresh_token"]).status_code == 200


def test_retry_after_the_grace_window_revokes_the_family(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    clock.advance(1)
    lost = _refresh(hub, first).json()
    clock.advance(121)  # the default window is 120 s
    reused = _refresh(hub, first)
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_reused"
    _assert_family_dead(hub, device, lost)


def test_refresh_retries_and_reuse_are_audited(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    first = device.creds["refresh_token"]
    clock.advance(1)
    _refresh(hub, first)
    _refresh(hub, first)
    clock.advance(121)
    _refresh(hub, first)
    outcomes = [e["outcome"] for e in audit_trail(hub.db, actor="hv1") if e["action"] == "refresh"]
    assert outcomes == ["ok", "retry", "reused"]


def test_revoked_device_is_told_at_next_contact(hub: Hub) -> None:
    device = hub.device("hv1")
    other = hub.device("hv2")
    revoke_device(hub.db, device.creds["device_id"])
    for response in (device.sync(), device.client.get("/v1/me", headers=device.headers)):
        assert response.status_code == 403
        assert response.json()["code"] == "device_revoked"
    refresh = hub.client.post("/v1/token/refresh", json={"refresh_token": device.creds["refresh_token"]})
    assert refresh.status_code == 403
    assert refresh.json()["code"] == "device_revoked"
    assert other.sync().status_code == 200  # only that device


def test_revoked_device_is_told_even_with_an_expired_token(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    clock.advance(3600)
    revoke_device(hub.db, device.creds["device_id"])
    assert device.sync().json()["code"] == "device_revoked"


def test_disabled_user_is_refused(hub: Hub) -> None:
    device = hub.device("hv1")
    disable_user(hub.db, "hv1")
    response = device.sync(new_case())
    assert response.status_code == 403
    assert response.json()["code"] == "user_disabled"
    refresh = hub.client.post("/v1/token/refresh", json={"refresh_token": device.creds["refresh_token"]})
    assert refresh.json()["code"] == "user_disabled"


def test_refresh_token_expires(hub: Hub, clock: Clock) -> None:
    device = hub.device("hv1")
    clock.advance(31 * 24 * 3600)
    response = hub.client.post("/v1/token/refresh", json={"refresh_token": device.creds["refresh_token"]})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_only_hashes_of_secrets_are_stored(hub: Hub) -> None:
    hub.user("hv1", "health_visitor")
    code = enrol_code(hub.db, "hv1")
    creds = hub.client.post("/v1/enrol", json={"code": code, "device_name": "t"}).json()
    secrets = [code, creds["access_token"], creds["refresh_token"]]
    with hub.db.read() as conn:
        import sqlalchemy as sa

        from hub._tables import access_tokens, enrol_codes, refresh_tokens

        stored = [
            *conn.execute(sa.select(enrol_codes.c.code_hash)).scalars(),
            *conn.execute(sa.select(access_tokens.c.token_hash)).scalars(),
            *conn.execute(sa.select(refresh_tokens.c.token_hash)).scalars(),
        ]
    assert len(stored) == 3
    assert not any(secret in value or secret.replace("-", "") in value for secret in secrets for value in stored)


def test_two_refreshes_racing_with_one_token_get_the_same_pair_and_the_family_lives(hub: Hub, clock: Clock) -> None:
    """A device sending its refresh twice at once (a retry overtaking a slow answer): on PostgreSQL the second
    transaction finds the token rotated under it and answers as a retry. Both get one pair; nothing is revoked."""
    device = hub.device("hv1")
    token = device.creds["refresh_token"]
    clock.advance(1)
    settings = hub.app.state.settings
    start = threading.Barrier(2)
    answers: list[Credentials | Exception] = []

    def refresh() -> None:
        start.wait()
        try:
            answers.append(_auth.refresh(hub.db, settings, token))
        except Exception as exc:  # a refusal is what would show a race gone wrong
            answers.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    pairs = {(a.access_token, a.refresh_token) for a in answers if not isinstance(a, Exception)}
    assert len(answers) == 2
    assert len(pairs) == 1, answers
    access, refreshed = pairs.pop()
    device.creds = {**device.creds, "access_token": access, "refresh_token": refreshed}
    assert device.sync().status_code == 200
