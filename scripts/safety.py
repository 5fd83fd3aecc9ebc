"""The clinical safety hazard log (docs/safety/hazards.yaml): its model, its checks, and its table for review.

    python scripts/safety.py            # the hazard log as a Markdown table (make safety writes it to docs/safety/)

Each control names the pytest node id of the test that proves it. ``check`` finds every named test in the source
tree without running anything; tests/test_safety_case.py runs it, and tests/conftest.py fails a whole-suite run in
which any named test did not pass. Risk follows DCB0129's 5x5 matrix: severity and likelihood from 1 to 5 give a
rating from 1 (acceptable) to 5 (unacceptable).
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "safety" / "hazards.yaml"
HAZARD_ID = re.compile(r"\bHAZ-\d{3}\b")

SEVERITY = {1: "Minor", 2: "Significant", 3: "Considerable", 4: "Major", 5: "Catastrophic"}
LIKELIHOOD = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}
# DCB0129's matrix: _MATRIX[likelihood - 1][severity - 1]
_MATRIX = (
    (1, 1, 2, 2, 3),
    (1, 2, 2, 3, 4),
    (2, 2, 3, 3, 4),
    (2, 3, 3, 4, 5),
    (3, 4, 4, 5, 5),
)
RATING = {1: "Acceptable", 2: "Acceptable where cost of further reduction outweighs benefit", 3: "Undesirable",
          4: "Unacceptable", 5: "Unacceptable"}  # fmt: skip

Score = Annotated[int, Field(ge=1, le=5)]
NodeId = Annotated[str, StringConstraints(pattern=r"^tests/[\w/]+\.py::\w+(::\w+)?$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Risk(_Model):
    severity: Score
    likelihood: Score

    @property
    def rating(self) -> int:
        return _MATRIX[self.likelihood - 1][self.severity - 1]


class Control(_Model):
    description: str
    test: NodeId


class Hazard(_Model):
    id: Annotated[str, StringConstraints(pattern=r"^HAZ-\d{3}$")]
    title: str
    description: str
    causes: list[str] = Field(min_length=1)
    effect: str
    initial: Risk
    residual: Risk
    controls: list[Control]
    owner: str
    status: Literal["open", "controlled", "accepted"]


class HazardLog(_Model):
    hazards: list[Hazard] = Field(min_length=1)

    @property
    def ids(self) -> set[str]:
        return {h.id for h in self.hazards}

    def tests(self) -> set[str]:
        return {c.test for h in self.hazards for c in h.controls}


def load(path: Path = LOG) -> HazardLog:
    return HazardLog.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def _names_in(path: Path) -> dict[str, set[str]]:
    """Top-level names of a test module, each with the names defined inside it (a class's methods)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.ClassDef):
            names[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        elif isinstance(node, ast.Assign):  # e.g. a hypothesis state machine's TestCase bound to a test_ name
            names.update({t.id: set() for t in node.targets if isinstance(t, ast.Name)})
    return names


def missing_tests(log: HazardLog, root: Path = ROOT) -> list[str]:
    """The node ids the log names that no test file defines."""
    missing = []
    for node_id in sorted(log.tests()):
        file, *parts = node_id.split("::")
        path = root / file
        names = _names_in(path) if path.is_file() else {}
        inner = names.get(parts[0])
        if inner is None or (len(parts) == 2 and parts[1] not in inner):
            missing.append(node_id)
    return missing


def unknown_ids(log: HazardLog, paths: list[Path]) -> dict[str, set[str]]:
    """Hazard ids named in the given files that the log does not have, by file."""
    found = {str(p.relative_to(ROOT)): set(HAZARD_ID.findall(p.read_text(encoding="utf-8"))) - log.ids for p in paths}
    return {file: ids for file, ids in found.items() if ids}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _risk(risk: Risk) -> str:
    return f"{risk.rating} ({SEVERITY[risk.severity]} / {LIKELIHOOD[risk.likelihood]})"


def render(log: HazardLog) -> str:
    """The log as a Markdown table a clinical safety officer can review, then each hazard's controls and tests."""
    lines = [
        "# Hazard log",
        "",
        "Made by `make safety` from docs/safety/hazards.yaml; do not edit by hand. Risk is rating (severity /",
        "likelihood) on DCB0129's matrix; every control names the test that proves it, and CI fails when one is",
        "missing or does not pass.",
        "",
        "| Id | Hazard | Effect on the child or family | Initial risk | Residual risk | Controls | Owner | Status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for h in log.hazards:
        row = [h.id, h.title, h.effect, _risk(h.initial), _risk(h.residual), str(len(h.controls)), h.owner, h.status]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    for h in log.hazards:
        lines += ["", f"## {h.id}: {h.title}", "", _cell(h.description), "", "Causes:", ""]
        lines += [f"- {_cell(c)}" for c in h.causes]
        lines += ["", "Controls:", ""] + [f"- {_cell(c.description)} (`{c.test}`)" for c in h.controls]
        if not h.controls:
            lines.append("- None yet: the hazard stays open.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(load()))
