"""Fixtures for the end-to-end tests: one Chromium per test module, apps and hubs started per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import ARTIFACTS, OPEN_PAGES, chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """No reruns by default: a flow that fails has found something (the last "flaky" failures were the harness typing
    into the wrong field). ``MASH_E2E_RERUNS=N`` gives each flow N reruns, e.g. to keep a local run going."""
    reruns = int(os.environ.get("MASH_E2E_RERUNS", "0"))
    if reruns <= 0:
        return
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.flaky(reruns=reruns))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a browser flow fails, keep each open page's screenshot, accessible text (and trace, with
    MASH_E2E_TRACE=1) and the app's logs under test-artifacts/failures/<test>-<n>/, before the pages close."""
    report = yield
    if report.when == "call" and report.failed and OPEN_PAGES:
        base = ARTIFACTS / "failures"
        base.mkdir(parents=True, exist_ok=True)
        n = sum(1 for _ in base.glob(f"{item.name}-*"))
        folder = base / f"{item.name}-{n + 1}"
        for i, ui in enumerate(list(OPEN_PAGES)):
            ui.save_failure(folder, f"page{i}")
        tmp = item.funcargs.get("tmp_path") if hasattr(item, "funcargs") else None
        if isinstance(tmp, Path):
            for log in tmp.rglob("*.log"):
                shutil.copy(log, folder / log.name)
        (folder / "error.txt").write_text(str(report.longrepr))
    return report


@pytest.fixture(autouse=True)
def _forget_pages() -> Iterator[None]:
    yield
    OPEN_PAGES.clear()
