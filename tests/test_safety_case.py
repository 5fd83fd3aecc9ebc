"""The hazard log is evidence only while it matches the suite: every control's test exists (and, in a whole-suite run,
passed: tests/conftest.py), every hazard id named anywhere is in the log, and the risk arithmetic is DCB0129's."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.conftest import load_safety_module

ROOT = Path(__file__).resolve().parent.parent


safety = load_safety_module()


def test_the_hazard_log_is_well_formed_with_unique_ids() -> None:
    log = safety.load()
    ids = [h.id for h in log.hazards]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 13


def test_every_control_names_a_test_that_exists() -> None:
    assert safety.missing_tests(safety.load()) == []


def test_a_control_naming_a_missing_test_is_caught(tmp_path: Path) -> None:
    log = safety.load()
    hazard = log.hazards[0]
    broken = hazard.model_copy(
        update={"controls": [safety.Control(description="x", test="tests/test_safety_case.py::test_not_there")]}
    )
    broken_log = log.model_copy(update={"hazards": [broken]})
    assert safety.missing_tests(broken_log) == ["tests/test_safety_case.py::test_not_there"]


def test_a_control_without_a_test_is_refused() -> None:
    with pytest.raises(ValidationError, match="test"):
        safety.Control.model_validate({"description": "trust me"})


def test_the_documents_and_the_tests_name_only_hazards_the_log_has() -> None:
    log = safety.load()
    docs = sorted((ROOT / "docs" / "safety").glob("*.md"))
    assert {p.name for p in docs} >= {"safety-case.md", "dpia.md", "dtac.md"}
    tests = sorted((ROOT / "tests").rglob("*.py"))
    assert safety.unknown_ids(log, docs + tests) == {}


def test_the_report_and_the_dpia_name_hazards() -> None:
    for name in ("safety-case.md", "dpia.md"):
        named = set(safety.HAZARD_ID.findall((ROOT / "docs" / "safety" / name).read_text(encoding="utf-8")))
        assert len(named) >= 5, name


@pytest.mark.parametrize(
    ("severity", "likelihood", "rating"),
    [(1, 1, 1), (5, 1, 3), (1, 5, 3), (5, 5, 5), (3, 3, 3), (4, 2, 3), (2, 4, 3), (5, 4, 5), (4, 5, 5), (2, 2, 2)],
)
def test_risk_ratings_follow_the_dcb0129_matrix(severity: int, likelihood: int, rating: int) -> None:
    assert safety.Risk(severity=severity, likelihood=likelihood).rating == rating


def test_controls_lower_the_risk_or_the_hazard_stays_open() -> None:
    for h in safety.load().hazards:
        assert h.residual.rating <= h.initial.rating, h.id
        if not h.controls:
            assert h.status == "open", h.id
        if h.residual.rating >= 4:
            assert h.status == "open", f"{h.id}: an unacceptable residual risk cannot be called controlled"


def test_the_rendered_table_has_a_row_per_hazard() -> None:
    log = safety.load()
    table = safety.render(log)
    rows = [line for line in table.splitlines() if line.startswith("| HAZ-")]
    assert [r.split(" | ")[0].lstrip("| ") for r in rows] == [h.id for h in log.hazards]
    assert "|" not in "".join(r.split(" | ")[1] for r in rows).replace("\\|", "")


def test_the_rendered_log_in_docs_is_current() -> None:
    rendered = (ROOT / "docs" / "safety" / "hazard-log.md").read_text(encoding="utf-8")
    assert rendered == safety.render(safety.load()), "run make safety"


_MINI_LOG = """
hazards:
  - id: HAZ-001
    title: t
    description: d
    causes: [c]
    effect: e
    initial: {severity: 3, likelihood: 3}
    residual: {severity: 3, likelihood: 1}
    controls:
      - {description: proven, test: tests/test_controls.py::test_proven}
      - {description: claimed, test: tests/test_controls.py::test_claimed}
    owner: o
    status: controlled
"""


@pytest.mark.parametrize(
    ("claimed", "status"), [("assert 1 + 1 == 2", 0), ("assert 1 + 1 == 3", 1), ("pytest.skip('later')", 1)]
)
def test_a_whole_run_fails_when_a_control_test_did_not_pass(
    pytester: pytest.Pytester, claimed: str, status: int
) -> None:
    (pytester.path / "scripts").mkdir()
    (pytester.path / "scripts" / "safety.py").write_text((ROOT / "scripts" / "safety.py").read_text())
    (pytester.path / "docs" / "safety").mkdir(parents=True)
    (pytester.path / "docs" / "safety" / "hazards.yaml").write_text(_MINI_LOG)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (pytester.path / "tests" / "test_controls.py").write_text(
        f"import pytest\n\ndef test_proven():\n    pass\n\ndef test_claimed():\n    {claimed}\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "tests")
    assert result.ret == status
    evidence_missing = "Hazard log controls without passing evidence" in result.stdout.str()
    assert evidence_missing == (status != 0)
