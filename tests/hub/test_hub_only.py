"""A hub-only install (no "field" extra) has no Flet, SQLCipher or sync client: the hub must start without them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.hubproc import ROOT

# What only the "field" extra installs (pyproject.toml); importing any of them fails in the child process.
_FIELD_ONLY = ("flet", "flet_web", "sqlcipher3", "httpx", "truststore", "zxcvbn")

_CHILD = f"""
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {_FIELD_ONLY!r}:
            raise ImportError(f"{{name}} is not installed (hub-only)")
        return None
sys.meta_path.insert(0, Refuse())
from hub import Settings, create_app
app = create_app(Settings(db_url=sys.argv[1], lane_threads=1))
app.state.db.dispose()
import hub.console._document, forms
assert (forms.ASSETS / "body_front.svg").is_file()
print("hub started")
"""


def test_the_hub_starts_without_the_field_apps_dependencies(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, f"sqlite:///{tmp_path / 'hub.sqlite3'}"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "hub started"
