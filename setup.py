"""The one build step pyproject.toml cannot say: put GOV.UK Frontend's stylesheet and script into the wheel.

They come from npm (``node_modules/govuk-frontend``, pinned by package-lock.json, installed by ``make install``), not
from the repository, so an installed hub (``pip install mash_field-*.whl``) serves a styled console without a
checkout. A build without node_modules still succeeds and says so: the console then serves its pages unstyled
(tests/hub/test_deploy.py checks a real wheel carries both files).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

GOVUK_DIST = Path(__file__).parent / "node_modules" / "govuk-frontend" / "dist" / "govuk"
GOVUK_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")  # the only two the console serves


class BuildWithGovukFrontend(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads node_modules in the checkout itself
            return
        missing = [name for name in GOVUK_FILES if not (GOVUK_DIST / name).is_file()]
        if missing:
            self.announce(f"GOV.UK Frontend not found in {GOVUK_DIST} (run npm ci): the console will be unstyled", 3)
            return
        target = Path(self.build_lib) / "hub" / "console" / "govuk"
        target.mkdir(parents=True, exist_ok=True)
        for name in GOVUK_FILES:
            shutil.copy2(GOVUK_DIST / name, target / name)


setup(cmdclass={"build_py": BuildWithGovukFrontend})
