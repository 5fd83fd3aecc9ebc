"""A subprocess for the vault's kill -9 tests.

It is a long-lived "zygote": it imports the vault once, then reads one JSON command per line on stdin and forks a
child to run it, so each trial costs a fork rather than a Python start. The test kills the child (its pid is printed)
with SIGKILL at a random moment; the zygote reaps it and prints ``exit``. Every line is ``<word> <json args>``.

Child modes (``cmd["mode"]``):

- ``save``: unlock, then save records forever; after each COMMIT prints ``ack [record_id, n]`` (the record's field
  ``n`` holds n). Creates cases, changes cases (mutable) and adds notes.
- ``rotate``: unlock, then ``rotate_key()`` and one note save, forever; prints ``ack [record_id, n]`` per note and
  ``rotated [k]`` per rotation.
- ``passphrase``: unlock with ``passphrases[current]``, then swap between the two forever, printing
  ``begin [i]`` before and ``ack [i]`` after each change.
- ``unlock``: prints ``start []``, tries ``passphrase`` once, prints ``done [error class]``.

Run: ``python -m tests.support.vault_worker``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from sync import Repository, Vault, VaultSettings
from sync._keys import KdfParams


def emit(word: str, *args: Any) -> None:
    sys.stdout.write(f"{word} {json.dumps(list(args))}\n")
    sys.stdout.flush()


def _settings(cmd: dict[str, Any]) -> VaultSettings:
    kdf = cmd.get("kdf")
    if kdf:
        return VaultSettings.for_tests(kdf=KdfParams(**kdf))
    return VaultSettings.for_tests()


def _save_forever(vault: Vault, start: int) -> None:
    repo = Repository(vault)
    n = start
    case_id = None
    while True:
        n += 1
        if case_id is None or n % 5 == 0:
            rec = repo.save_record("case", {"child_name": f"Child {n}", "n": n})
            case_id = rec.id
        elif n % 2:
            rec = repo.save_record("case", {"n": n}, record_id=case_id)
        else:
            rec = repo.save_record("note", {"text": f"Visit note {n}", "n": n}, case_id=case_id)
        emit("ack", str(rec.id), n)


def _rotate_forever(vault: Vault, start: int) -> None:
    repo = Repository(vault)
    case = repo.save_record("case", {"child_name": "Rotating child", "n": start})
    emit("ack", str(case.id), start)
    n, k = start, 0
    while True:
        vault.rotate_key()
        k += 1
        emit("rotated", k)
        n += 1
        note = repo.save_record("note", {"text": f"After rotation {k}", "n": n}, case_id=case.id)
        emit("ack", str(note.id), n)


def _swap_forever(vault: Vault, passphrases: list[str], current: int) -> None:
    while True:
        nxt = 1 - current
        emit("begin", nxt)
        vault.change_passphrase(passphrases[current], passphrases[nxt])
        emit("ack", nxt)
        current = nxt


def run(cmd: dict[str, Any]) -> None:
    data_dir = Path(cmd["dir"])
    settings = _settings(cmd)
    mode = cmd["mode"]
    vault = Vault.open(data_dir, settings=settings)
    if mode == "unlock":
        emit("start")
        try:
            vault.unlock(cmd["passphrase"])
        except Exception as exc:
            emit("done", type(exc).__name__)
        else:
            emit("done", "")
        return
    if mode == "passphrase":
        vault.unlock(cmd["passphrases"][cmd["current"]])
        emit("ready")
        _swap_forever(vault, cmd["passphrases"], cmd["current"])
    vault.unlock(cmd["passphrase"])
    emit("ready")
    if mode == "save":
        _save_forever(vault, int(cmd.get("start", 0)))
    elif mode == "rotate":
        _rotate_forever(vault, int(cmd.get("start", 0)))
    else:
        raise ValueError(f"unknown mode {mode!r}")


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: run the trial, never return to the loop
            code = 0
            try:
                run(cmd)
            except BaseException as exc:
                emit("error", repr(exc))
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        emit("pid", pid)
        _, status = os.waitpid(pid, 0)
        emit("exit", pid, status)


if __name__ == "__main__":
    main()


# --- the test side -------------------------------------------------------------------------------------------------


class Zygote:
    """Drives a ``vault_worker`` process from a test. Stopped by pid (SIGKILL fallback) in ``close``."""

    def __init__(self) -> None:
        import queue
        import subprocess
        import threading

        root = Path(__file__).resolve().parents[2]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.vault_worker"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                self._lines.put(line)
            self._lines.put(None)

        self._reader = threading.Thread(target=pump, daemon=True)
        self._reader.start()

    def send(self, cmd: dict[str, Any]) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(cmd) + "\n")
        self._proc.stdin.flush()

    def next(self, timeout: float = 30.0) -> tuple[str, list[Any]]:
        """The next line as (word, args). Raises TimeoutError or EOFError."""
        import queue

        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("the vault worker said nothing in time") from None
        if line is None:
            raise EOFError("the vault worker exited")
        word, _, rest = line.strip().partition(" ")
        return word, json.loads(rest) if rest else []

    def close(self) -> None:
        import signal
        import subprocess

        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
        self._reader.join(timeout=10)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
