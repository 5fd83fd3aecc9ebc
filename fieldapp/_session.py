"""One window or browser session's own lock.

The vault is one per device, but every session must prove it is the user's: a session sees the vault only after it
has itself given the passphrase (or created the vault), and it locks again after its own idle time. ``VaultKeeper``
(``_vault_keeper.py``) keeps the open sessions and locks the vault itself once no session is unlocked any more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(eq=False)
class UserSession:
    """What the app knows about one session: whether it has unlocked, and when its user last did something."""

    unlocked: bool = False
    last_activity: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_activity
