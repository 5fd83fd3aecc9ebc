"""What the device knows about its enrolment, kept in the vault's ``meta`` table (encrypted at rest).

Keys are prefixed ``sync.``. Writes take an open connection so they join the caller's transaction (a refreshed token,
a pull cursor and a lease are stored with the data they belong to).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from protocol import Credentials, UserInfo

HUB_URL: Final = "sync.hub_url"
DEVICE_ID: Final = "sync.device_id"
USER: Final = "sync.user"
ACCESS_TOKEN: Final = "sync.access_token"  # noqa: S105 (a meta key, not a secret)
ACCESS_EXPIRES: Final = "sync.access_expires_at"
REFRESH_TOKEN: Final = "sync.refresh_token"  # noqa: S105 (a meta key, not a secret)
LEASE_EXPIRES: Final = "sync.lease_expires_at"
CURSOR: Final = "sync.cursor"
HUB_CLOCK_OFFSET: Final = "sync.hub_clock_offset_s"  # hub time minus device time at the last answer
LAST_SUCCESS: Final = "sync.last_success"
#: Set (to the hub's error code) when the hub cancelled our sign-in and the tokens were dropped; cleared by enrolment.
ENROL_AGAIN: Final = "sync.enrol_again"
_TOKENS: Final = (ACCESS_TOKEN, ACCESS_EXPIRES, REFRESH_TOKEN)


def meta_get(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_put(conn: Any, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def meta_delete(conn: Any, key: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (key,))


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    hub_url: str
    device_id: UUID
    user: UserInfo
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    lease_expires_at: datetime


def store_credentials(conn: Any, hub_url: str, creds: Credentials) -> None:
    """Store (or replace after a refresh) everything enrolment gave us."""
    meta_put(conn, HUB_URL, hub_url)
    meta_put(conn, DEVICE_ID, str(creds.device_id))
    meta_put(conn, USER, creds.user.model_dump_json())
    meta_put(conn, ACCESS_TOKEN, creds.access_token)
    meta_put(conn, ACCESS_EXPIRES, creds.access_expires_at.isoformat())
    meta_put(conn, REFRESH_TOKEN, creds.refresh_token)
    meta_put(conn, LEASE_EXPIRES, creds.lease_expires_at.isoformat())


def drop_tokens(conn: Any, reason: str) -> None:
    """Forget the access and refresh tokens (they are dead at the hub) and remember why. The user, the hub URL, the
    cursor and every record and outbox row stay: the next enrolment of the same user carries on from here."""
    for key in _TOKENS:
        meta_delete(conn, key)
    meta_put(conn, ENROL_AGAIN, reason)


def load_user(conn: Any) -> UserInfo | None:
    """The user this vault was last enrolled for (kept after the tokens were dropped), if any."""
    value = meta_get(conn, USER)
    return None if value is None else UserInfo.model_validate(json.loads(value))


def load_credentials(conn: Any) -> StoredCredentials | None:
    values = {
        key: meta_get(conn, key)
        for key in (HUB_URL, DEVICE_ID, USER, ACCESS_TOKEN, ACCESS_EXPIRES, REFRESH_TOKEN, LEASE_EXPIRES)
    }
    if any(v is None for v in values.values()):
        return None
    return StoredCredentials(
        hub_url=str(values[HUB_URL]),
        device_id=UUID(str(values[DEVICE_ID])),
        user=UserInfo.model_validate(json.loads(str(values[USER]))),
        access_token=str(values[ACCESS_TOKEN]),
        access_expires_at=datetime.fromisoformat(str(values[ACCESS_EXPIRES])),
        refresh_token=str(values[REFRESH_TOKEN]),
        lease_expires_at=datetime.fromisoformat(str(values[LEASE_EXPIRES])),
    )


def load_cursor(conn: Any) -> int:
    value = meta_get(conn, CURSOR)
    return int(value) if value is not None else 0


__all__ = [
    "ENROL_AGAIN",
    "StoredCredentials",
    "drop_tokens",
    "load_credentials",
    "load_cursor",
    "load_user",
    "meta_delete",
    "meta_get",
    "meta_put",
    "store_credentials",
]
