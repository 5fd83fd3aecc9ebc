"""Which database the CLI opens: a missing one is named and refused, never created; the instance id ``serve`` shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.hubproc import ROOT, HubProcess, free_port

pytestmark = pytest.mark.slow  # each test runs the CLI in subprocesses


def _hub(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "MASH_HUB_DB"}
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
    )


@pytest.mark.parametrize(
    ("how", "command"),
    [("--db", ["referrals", "list"]), ("MASH_HUB_DB", ["users", "list"]), ("default", ["enrol-code", "hv1"])],
)
def test_a_command_on_a_missing_database_names_it_and_creates_nothing(
    tmp_path: Path, how: str, command: list[str]
) -> None:
    folder = tmp_path / "nowhere"
    if how == "default":  # the platform data folder: $XDG_DATA_HOME/mash-hub/hub.sqlite3 on Linux
        missing = folder / "mash-hub" / "hub.sqlite3"
        done = _hub(*command, XDG_DATA_HOME=str(folder))
    elif how == "MASH_HUB_DB":
        missing = folder / "hub.sqlite3"
        done = _hub(*command, MASH_HUB_DB=f"sqlite:///{missing}")
    else:
        missing = folder / "hub.sqlite3"
        done = _hub("--db", f"sqlite:///{missing}", *command)
    assert done.returncode == 1
    assert done.stdout == ""
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"error: no hub database at {missing} (")
    assert ("the default" if how == "default" else how.replace("MASH_HUB_DB", "$MASH_HUB_DB")) in first
    assert "nothing was created" in first
    assert "Traceback" not in done.stderr
    assert not folder.exists()


def test_migrate_creates_the_database_and_then_other_commands_read_it(tmp_path: Path) -> None:
    db = tmp_path / "new" / "hub.sqlite3"
    assert _hub("--db", f"sqlite:///{db}", "migrate").returncode == 0
    assert db.is_file()
    listed = _hub("referrals", "list", MASH_HUB_DB=f"sqlite:///{db}")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", "")


def test_serve_answers_with_the_instance_id_it_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_HUB_INSTANCE", "demo-4f1c")
    with HubProcess() as hub:
        assert httpx.get(hub.base_url + "/v1/instance").json() == {"instance_id": "demo-4f1c"}


def test_serve_refuses_an_instance_id_that_is_not_a_plain_word(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    done = _hub("--db", db, "serve", "--port", str(free_port()), MASH_HUB_INSTANCE="a b\nc")
    assert done.returncode == 1
    assert "MASH_HUB_INSTANCE" in done.stderr


@pytest.mark.parametrize("command", [["users", "list"], ["serve", "--port", "0"]])
def test_a_database_server_that_does_not_answer_is_a_plain_error(command: list[str]) -> None:
    url = f"postgresql+psycopg://app:not-this-password@127.0.0.1:{free_port()}/hub"  # nothing listens there
    done = _hub("--db", url, *command)
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot open the hub database postgresql+psycopg://app:***@127.0.0.1:")
    assert "Traceback" not in done.stderr
    assert "not-this-password" not in done.stderr
