"""Failed-unlock counting: durable before the passphrase is checked, with growing delays.

The counter lives in its own small file beside the header (``vault.lockout``), written atomically and fsynced
*before* the Argon2id check runs, so killing the app mid-check cannot be used to get free guesses. A successful unlock
resets it. The delay after a failure is returned to the caller (the UI shows it); an unlock tried before it ran out
is refused without being counted.

What this does not stop: someone who copies the files off the disk can guess offline without any counter. Against
that the only defence is the Argon2id cost and the passphrase strength (see docs/threat-model.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sync._errors import VaultCorrupt
from sync._paths import atomic_write


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 10
    free_failures: int = 3  # failures before the first delay (typos happen)
    delay_base_s: float = 1.0
    delay_cap_s: float = 300.0

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure: 0, 0, 1, 2, 4, 8 ... up to the cap (with base 1)."""
        if failures < self.free_failures or self.delay_base_s <= 0:
            return 0.0
        return float(min(self.delay_cap_s, self.delay_base_s * 2 ** (failures - self.free_failures)))


@dataclass(frozen=True, slots=True)
class LockoutState:
    failures: int = 0
    not_before: float = 0.0  # wall-clock seconds: the delay must survive a restart


def read_lockout(path: Path) -> LockoutState:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LockoutState()
    try:
        data = json.loads(raw)
        return LockoutState(failures=int(data["failures"]), not_before=float(data["not_before"]))
    except (ValueError, KeyError, TypeError):
        # Never reset a damaged counter to zero silently: that would hand out free guesses.
        raise VaultCorrupt("the failed-unlock counter is damaged") from None


def write_lockout(path: Path, state: LockoutState) -> None:
    atomic_write(path, json.dumps({"failures": state.failures, "not_before": state.not_before}).encode())


__all__ = ["LockoutPolicy", "LockoutState", "read_lockout", "write_lockout"]
