"""Building the package, as ``make install`` and a release do: no warnings, and the metadata a registry shows.

The wheel is built with the setuptools the dev environment holds (``--no-build-isolation``); the editable install
goes into an empty environment, so pip fetches the build backend for it from the package index, as ``make install``
does. Both build from a copy of the sources in a temporary folder, so the checkout gets no build/ or egg-info; the
editable install goes into a throwaway virtual environment without dependencies (the shared one is left alone).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _copy_sources(dest: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for name in ("pyproject.toml", "README.md", *project["project"]["license-files"]):
        shutil.copy2(ROOT / name, dest / name)
    for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        shutil.copytree(ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))


def _warnings(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if "warning" in line.lower()]


def _pip(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600, check=False
    )
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    return printed


def test_an_editable_install_prints_no_warning(tmp_path: Path) -> None:
    src, venv = tmp_path / "src", tmp_path / "venv"
    src.mkdir()
    _copy_sources(src)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    printed = _pip(
        "--python",
        str(venv / "bin" / "python"),
        "install",
        "--no-deps",
        "--no-cache-dir",
        "-e",
        str(src),
    )
    assert _warnings(printed) == [], printed
    # The install points at the copy (found, not imported: the throwaway environment has no dependencies).
    find = "import importlib.util as u; print(*(u.find_spec(p).origin for p in ('hub', 'forms', 'fieldapp')))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", find], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    assert found.stdout.split() == [str(src / p / "__init__.py") for p in ("hub", "forms", "fieldapp")], found.stderr


def test_the_wheel_builds_without_a_warning_and_carries_its_licence(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "wheels"
    src.mkdir()
    _copy_sources(src)
    printed = _pip("wheel", "--no-deps", "--no-cache-dir", "--no-build-isolation", "-w", str(out), str(src))
    assert _warnings(printed) == [], printed
    (wheel,) = out.glob("mash_field-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        dist_info = next(n.split("/")[0] for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(f"{dist_info}/METADATA").decode()
        assert zf.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        names = set(zf.namelist())
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
    # An installed app has everything a checkout has: the body map and icon, every form spec, the console's pages.
    carried = ["forms/assets/*.svg", "forms/specs/*.json", "forms/data/*.json", "hub/console/templates/*.html",
               "hub/console/static/*", "hub/migrations/versions/*.py"]  # fmt: skip
    for pattern in carried:
        expected = {str(f.relative_to(ROOT)) for f in ROOT.glob(pattern)}
        assert expected, pattern
        assert expected <= names, f"the wheel lacks {sorted(expected - names)}"
    # Console scripts: the app and the hub start by name once installed.
    assert "mash-field = fieldapp._app:cli" in entry_points
    assert "mash-hub = hub._cli:run" in entry_points
    headers = [line for line in metadata.splitlines() if ": " in line]
    # A hub-only install brings neither Flet nor SQLCipher: they come only with the "field" extra.
    requires = [line.removeprefix("Requires-Dist: ") for line in headers if line.startswith("Requires-Dist: ")]
    field_only = [r for r in requires if r.startswith(("flet", "sqlcipher3", "httpx", "truststore", "zxcvbn"))]
    assert len(field_only) == 5
    assert all('extra == "field"' in r for r in field_only), field_only
    assert "Provides-Extra: field" in headers
    assert "License-Expression: MIT" in headers
    assert "License-File: LICENSE" in headers
    assert {line.split(",")[0] for line in headers if line.startswith("Project-URL: ")} >= {
        "Project-URL: Homepage",
        "Project-URL: Source",
    }
