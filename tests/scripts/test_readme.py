"""The README's commands are real: it begins with the two set-up commands, every ``make`` target it names exists,
and every ``python -m hub`` command it shows parses (a missing database, exit 1, is the answer; bad usage is 2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scripts._demo import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_begins_with_set_up_in_two_commands() -> None:
    first_section = README.split("\n## ", 2)[1]
    assert first_section.startswith("Set-up on a fresh machine")
    commands = re.findall(r"^    (make \w+)", first_section.split("\n\n", 2)[1], re.MULTILINE)
    assert commands == ["make run", "make test"]


def test_every_make_target_the_readme_names_exists() -> None:
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    named = set(re.findall(r"\bmake ([a-z-]+)", README))
    assert named
    assert named <= targets, named - targets


@pytest.mark.slow
def test_every_hub_command_in_the_readme_parses(tmp_path: Path) -> None:
    commands = {c.strip() for c in re.findall(r"python -m hub ((?:[a-z-]+ ?)+)", README)} - {"--help"}
    assert {"devices list", "referrals list", "responses list"} <= commands
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "hub", "--db", missing, *command.split()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, (command, done.stderr)
        assert "no hub database at" in done.stderr, (command, done.stderr)
