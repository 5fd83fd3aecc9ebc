"""What the app's parts tell the screens: an event name and a payload, to every listener.

Listeners are called on the publishing thread (an event loop, a worker, the idle watcher or the sync engine's
thread); views hop back to their page's loop themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum
from typing import Any


class Event(StrEnum):
    """What listeners hear about."""

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    ERASED = "erased"
    SYNC_STATUS = "sync_status"
    DATA_CHANGED = "data_changed"


Listener = Callable[[Event, Any], None]


class Events:
    """The listeners of one app process; every window or browser session subscribes here."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: Event, payload: Any = None) -> None:
        with self._lock:
            listeners = list(self._listeners)  # a listener may unsubscribe while it is called
        for listener in listeners:
            listener(event, payload)
