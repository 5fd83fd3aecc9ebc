"""Stopping a server a test started in its own process group: by its pid (the group id), never by name.

``stop_group`` asks first (the server's own graceful signal), waits, then SIGKILLs the group, so a worker left
behind by its master goes too. Nothing outside that group is ever signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process group ``proc`` leads (started with ``start_new_session=True``)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_group(proc: subprocess.Popen[bytes], graceful: signal.Signals, timeout: float = 10.0) -> None:
    """``graceful`` to the group, up to ``timeout`` seconds for the leader to end, then SIGKILL to the group."""
    if proc.poll() is None:
        signal_group(proc, graceful)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    signal_group(proc, signal.SIGKILL)  # the leader if it would not stop, and any worker left behind
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)
