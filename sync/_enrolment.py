"""Enrolment: a one-time code from the hub's administrator becomes this device's credentials, kept in the vault.

Enrolling again after the hub cancelled the sign-in (``SyncState.ENROL_AGAIN``) keeps the outbox and the cursor when
it is the same user; another user is refused while the vault holds work that has not reached the hub.
"""

from __future__ import annotations

from protocol import ErrorCode
from sync._client import HubClient
from sync._credentials import (
    CURSOR,
    ENROL_AGAIN,
    StoredCredentials,
    load_credentials,
    load_user,
    meta_delete,
    store_credentials,
)
from sync._errors_sync import HubRefused, OtherUsersWork
from sync._replica import Replica, VaultPort


def enrol(vault: VaultPort, client: HubClient, code: str, device_name: str) -> StoredCredentials:
    """Exchange a one-time code for credentials and keep them (and the hub URL) in the vault.

    Enrolling again (after the hub cancelled the sign-in) keeps everything: the same user carries on with the same
    outbox and pull cursor. A different user is refused (``OtherUsersWork``) while the vault holds work of the
    previous user that has not reached the hub (queued, in conflict or refused): the hub is told whose work it is,
    and refuses another user's code without spending it. Otherwise the pull starts over for the new user, because
    what they may see differs.
    """
    with vault.transaction() as conn:
        previous = load_user(conn)
    counts = Replica(vault).counts()
    guarded = previous is not None and bool(counts.pending or counts.conflicts or counts.rejected)
    try:
        creds = client.enrol(
            code, device_name, only_for_user=previous.user_id if guarded and previous else None, field_app=True
        )
    except HubRefused as exc:
        if exc.code == ErrorCode.ENROLMENT_OTHER_USER and previous is not None:
            raise _other_users_work(previous.display_name, "The code entered was not used.") from None
        raise
    switching = previous is not None and previous.user_id != creds.user.user_id
    if switching and guarded and previous is not None:  # a hub that ignored only_for_user: still keep the work
        raise _other_users_work(previous.display_name, "The code entered was used up.")
    with vault.transaction() as conn:
        store_credentials(conn, client.base_url, creds)
        meta_delete(conn, ENROL_AGAIN)
        if switching:
            meta_delete(conn, CURSOR)
        stored = load_credentials(conn)
    assert stored is not None
    return stored


def _other_users_work(owner: str, about_the_code: str) -> OtherUsersWork:
    return OtherUsersWork(
        f"This device holds work by {owner} that has not reached the hub yet, so it cannot be enrolled for anyone "
        f"else. {owner} must enrol it again (with a new code) so the work can be sent; ask your hub administrator. "
        + about_the_code
    )


__all__ = ["enrol"]
