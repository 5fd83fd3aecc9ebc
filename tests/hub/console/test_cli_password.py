"""``python -m hub users set-password NAME`` (for scripts): the password comes on stdin, never in the arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hub._admin import create_user
from hub._db import Database
from hub._migrations import migrate
from hub._settings import Settings
from hub._signin import check_password

ROOT = Path(__file__).resolve().parents[3]


def test_set_password_from_stdin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    db = Database(url, pool_size=1)
    migrate(db)
    create_user(db, "staff9", "Sam", "hub_staff", "MASH")
    done = subprocess.run(
        [sys.executable, "-m", "hub", "--db", url, "users", "set-password", "staff9"],
        input="a long enough password\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "password set for staff9\n"
    assert check_password(db, Settings(db_url=url), "staff9", "a long enough password", "test").ok
    assert not check_password(db, Settings(db_url=url), "staff9", "a long enough passwor", "test").ok
    short = subprocess.run(
        [sys.executable, "-m", "hub", "--db", url, "users", "set-password", "staff9"],
        input="short\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr
    db.dispose()
