"""``make help``: every target the Makefile declares is listed, each with one line saying what it does."""

from __future__ import annotations

import re
import subprocess

from tests.scripts._demo import ROOT


def test_make_help_lists_every_target_with_one_line() -> None:
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony is not None
    targets = phony.group(1).split()
    done = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^  make (\S+) +(\S.*)$", done.stdout, re.MULTILINE))
    assert sorted(listed) == sorted(targets)
    assert all(len(text) > 10 for text in listed.values()), listed
    dry = subprocess.run(["make", "-n", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert "pip" not in dry.stdout  # help installs nothing, so it works on a fresh clone in a second


def test_bare_make_shows_the_help() -> None:
    dry = subprocess.run(["make", "-n"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert dry.returncode == 0, dry.stderr
    assert "pip" not in dry.stdout
    assert "grep" in dry.stdout
