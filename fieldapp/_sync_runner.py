"""The sync engine's lifecycle: one engine at a time, running only while the vault is unlocked and enrolled.

It keeps the last status the engine published (so a screen opened later shows it), turns a local save into a
recount and a wake-up, and hands the REVOKED state to the vault keeper, which locks everyone out.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from fieldapp._config import AppConfig
from fieldapp._events import Event, Events
from fieldapp._vault_keeper import VaultKeeper
from sync import ENROL_AGAIN_MESSAGE, EngineSettings, HubClient, Replica, SyncEngine, SyncState, SyncStatus


class SyncRunner:
    def __init__(
        self,
        config: AppConfig,
        keeper: VaultKeeper,
        events: Events,
        *,
        http_factory: Callable[[], httpx.Client] | None = None,
        on_revoked: Callable[[], None],
    ) -> None:
        """``http_factory`` (tests): how to reach the hub, e.g. an in-process hub; default: real sockets."""
        self._config = config
        self._keeper = keeper
        self._events = events
        self._http_factory = http_factory
        self._on_revoked = on_revoked
        self.engine: SyncEngine | None = None
        self._engine_unsub: Callable[[], None] | None = None
        self.last_status: SyncStatus = SyncStatus(state=SyncState.OFFLINE)

    def client(self, hub_url: str) -> HubClient:
        """A client for ``hub_url`` (raises ``InsecureHubURL`` for a plain-HTTP address that is not loopback)."""
        http = self._http_factory() if self._http_factory else None
        return HubClient(hub_url, http=http, ca_bundle=self._config.ca_bundle)

    def _engine_settings(self) -> EngineSettings:
        if self._config.fast_kdf:  # tests: quick retries so a restarted hub is noticed at once
            return EngineSettings(interval_s=2.0, backoff_base_s=0.2, backoff_cap_s=2.0)
        return EngineSettings()

    def start(self, hub_url: str) -> None:
        vault = self._keeper.vault
        assert vault is not None
        engine = SyncEngine(vault, self.client(hub_url), settings=self._engine_settings())
        self.engine = engine
        self._engine_unsub = engine.subscribe(self._set_status)
        engine.refresh_status()
        engine.start()

    def stop(self) -> str | None:
        """Stop the running engine, if any (its current request finishes first); returns its hub URL."""
        engine, self.engine = self.engine, None
        if self._engine_unsub is not None:
            self._engine_unsub()
            self._engine_unsub = None
        if engine is None:
            return None
        engine.stop(timeout=10)
        return engine.hub_url

    def not_enrolled(self, *, enrol_again: bool) -> None:
        """No engine runs (unlocked but not enrolled): say why, with the count of work waiting."""
        repo = self._keeper.repo
        assert repo is not None
        pending = repo.pending_count()
        if enrol_again:
            # The hub cancelled the sign-in in an earlier session: say so (not just "offline"); work stays usable.
            self._set_status(SyncStatus(state=SyncState.ENROL_AGAIN, pending=pending, last_error=ENROL_AGAIN_MESSAGE))
        else:
            self._set_status(SyncStatus(state=SyncState.OFFLINE, pending=pending))

    def _set_status(self, status: SyncStatus) -> None:
        self.last_status = status
        if status.state is SyncState.REVOKED:
            # The engine has erased the vault key; this runs on its thread, and stopping it from here is safe (its
            # loop ends after this run and releases anyone waiting in sync_now()).
            self._on_revoked()
            return
        self._events.publish(Event.SYNC_STATUS, status)

    def changed(self) -> None:
        """A local save happened: recount, tell the screens, and wake the engine."""
        if self.engine is not None:
            self.engine.refresh_status()
            self.engine.notify_changed()
        elif self._keeper.repo is not None:
            self._set_status(self.last_status.replace(pending=self._keeper.repo.pending_count()))
        self._events.publish(Event.DATA_CHANGED)

    def replica(self) -> Replica | None:
        if self.engine is not None:
            return self.engine.replica
        vault = self._keeper.vault
        if vault is not None and vault.is_unlocked:
            return Replica(vault)
        return None

    def sync_now(self) -> SyncStatus:
        if self.engine is None:
            return self.last_status.replace(last_error="This device is not enrolled with a hub yet.")
        return self.engine.sync_now(timeout=60)
