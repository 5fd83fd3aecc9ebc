"""Suite-wide hooks. A run that collected every test the hazard log (docs/safety/hazards.yaml) names as a control
fails unless each of them passed: a skipped, failed or erroring control is a safety claim without its evidence."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]


def load_safety_module() -> ModuleType:
    """scripts/safety.py (a script, not a package), loaded once under the name ``hazard_log``."""
    if "hazard_log" not in sys.modules:
        spec = importlib.util.spec_from_file_location("hazard_log", _ROOT / "scripts" / "safety.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["hazard_log"] = module  # before running it: pydantic resolves its annotations through sys.modules
        spec.loader.exec_module(module)
    return sys.modules["hazard_log"]


_CONTROLS: set[str] = load_safety_module().load().tests()
_collected: dict[str, set[str]] = {}  # control node id -> the collected items it covers (parameters, state machines)
_outcome: dict[str, str] = {}  # item node id -> passed | failed | skipped


def _control_of(nodeid: str) -> str | None:
    for control in _CONTROLS:
        if nodeid == control or nodeid.startswith((control + "[", control + "::")):
            return control
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        control = _control_of(item.nodeid)
        if control is not None:
            _collected.setdefault(control, set()).add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.outcome == "rerun" or _control_of(report.nodeid) is None:
        return  # a rerun is judged by its last attempt
    previous = _outcome.get(report.nodeid)
    if report.failed:
        _outcome[report.nodeid] = "failed"
    elif report.skipped and previous != "failed":
        _outcome[report.nodeid] = "skipped"
    elif report.when == "call" and report.passed and previous is None:
        _outcome[report.nodeid] = "passed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.option.collectonly or set(_collected) != _CONTROLS:
        return  # not a whole-suite run: the existence of each control's test is checked by tests/test_safety_case.py
    unproven = sorted(
        f"{item} ({_outcome.get(item, 'not run')})"
        for items in _collected.values()
        for item in items
        if _outcome.get(item) != "passed"
    )
    if unproven:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("Hazard log controls without passing evidence:", red=True)
            for line in unproven:
                reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
