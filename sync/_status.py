"""Sync status as an immutable value, published to listeners.

The UI subscribes and renders; nothing here knows about the UI. "Synced" is never claimed for anything the hub has
not acknowledged: ``pending`` counts every outbox row still waiting for the hub's answer.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SyncState(StrEnum):
    OFFLINE = "offline"  # the hub cannot be reached; work stays on the device
    SYNCING = "syncing"
    IDLE = "idle"  # the last sync finished; see ``pending`` for what is still waiting
    ERROR = "error"  # the last sync failed for a reason other than connectivity; see ``last_error``
    LOCKED = "locked"  # the offline lease ran out: no access until a successful check-in
    REVOKED = "revoked"  # the hub revoked this device; the vault key is erased
    ENROL_AGAIN = "enrol_again"  # the hub cancelled this device's sign-in; data and outbox kept until re-enrolment


@dataclass(frozen=True, slots=True)
class Progress:
    items_done: int = 0
    items_total: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


@dataclass(frozen=True, slots=True)
class SyncStatus:
    state: SyncState = SyncState.IDLE
    progress: Progress = Progress()
    pending: int = 0  # outbox rows not yet acknowledged by the hub (queued or held)
    conflicts: int = 0  # open conflicts waiting for the user
    rejected: int = 0  # open rejections waiting for the user
    last_success: datetime | None = None  # device clock: for display only
    last_error: str | None = None  # a plain-language sentence
    retry_in: float | None = None  # seconds until the next automatic try, when known

    def replace(self, **changes: object) -> SyncStatus:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


Listener = Callable[[SyncStatus], None]


class StatusBoard:
    """Holds the current status and tells every listener when it changes. Thread-safe."""

    def __init__(self, initial: SyncStatus | None = None) -> None:
        self._status = initial or SyncStatus()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    @property
    def current(self) -> SyncStatus:
        return self._status

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener (called at once with the current status); returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)
        listener(self._status)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, status: SyncStatus) -> None:
        with self._lock:
            if status == self._status:
                return
            self._status = status
            listeners = list(self._listeners)
        for listener in listeners:
            listener(status)

    def update(self, **changes: object) -> SyncStatus:
        new = self._status.replace(**changes)
        self.publish(new)
        return new


__all__ = ["Listener", "Progress", "StatusBoard", "SyncState", "SyncStatus"]
