"""The hub's configuration: one frozen value, built by the CLI or by tests."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from hub._authorities import DEMO_CONTACTS
from hub._ratelimit import DEFAULT_LIMITS, Limit
from hub._timescales import Timescales
from protocol import MAX_BODY_BYTES


def default_db_url() -> str:
    """``MASH_HUB_DB`` if set, else a SQLite file in the platform's data folder."""
    env = os.environ.get("MASH_HUB_DB")
    if env:
        return env
    folder = Path(platformdirs.user_data_dir("mash-hub", appauthor=False))
    return f"sqlite:///{folder / 'hub.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    db_url: str = field(default_factory=default_db_url)
    access_ttl_s: float = 10 * 60
    refresh_ttl_s: float = 30 * 24 * 3600
    #: A rotated refresh token presented again within this many seconds, while the pair it was exchanged for has
    #: never been used, is a retry after a lost answer (RFC 9700 allows the leeway), not a stolen copy.
    refresh_grace_s: float = 120.0
    lease_s: float = 7 * 24 * 3600
    enrol_code_ttl_s: float = 72 * 3600
    max_body_bytes: int = MAX_BODY_BYTES
    #: Threads for database work, per lane (reads, writes: see hub._lanes); the connection pool holds as many per
    #: lane. A PostgreSQL deployment needs max_connections >= 2 * lane_threads * hub processes.
    lane_threads: int = 16
    #: Connections per pool (None: ``lane_threads``).
    pool_size: int | None = None
    #: Attempts allowed per client address and per account, by action ("enrol", "refresh", "sign_in"): see
    #: hub._ratelimit. Kept in each process's memory.
    rate_limits: Mapping[str, Limit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    #: Names this hub process (all its workers) on ``GET /v1/instance``, so a launcher such as the demo can tell
    #: the hub it started from another program on the same port. ``python -m hub serve`` takes
    #: ``$MASH_HUB_INSTANCE`` when set; an identifier, not a secret.
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: Seconds since the epoch; tests replace it to move time (token expiry) without sleeping.
    clock: Callable[[], float] = time.time
    #: The console's ratings: timescale per rating and the working hours they are counted in.
    timescales: Timescales = field(default_factory=Timescales)
    #: A console decision reaches the referrer only once a MASH manager has signed it off.
    decisions_need_sign_off: bool = True
    #: Reverse proxies (comma-separated addresses or networks; "*" any) whose X-Forwarded-For and -Proto headers the
    #: hub believes: the client address in rate limits and audit is then the one the proxy names. "" trusts none.
    forwarded_allow_ips: str = ""
    #: Repeat referrals (hub._known): a child with this many referrals in this many days is flagged.
    repeat_contacts: int = 3
    repeat_days: int = 90
    #: Timescales of the authorities whose differ from ``timescales``, by ONS code (hub._authorities).
    authority_timescales: Mapping[str, Timescales] = field(default_factory=dict)
    #: Each authority's MASH front door (shown to another authority that finds it knows a child), by ONS code.
    authority_contacts: Mapping[str, str] = field(default_factory=lambda: dict(DEMO_CONTACTS))

    def timescales_for(self, authority: str | None) -> Timescales:
        """The timescales an authority's referrals are counted in."""
        return self.authority_timescales.get(authority or "", self.timescales)
