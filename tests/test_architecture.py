"""The arrows of ARCHITECTURE.md, checked on every run so that a wrong import fails the build."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("fieldapp", "sync", "forms", "hub", "protocol", "bench")


def _imports(path: Path) -> set[str]:
    """Top-level module names a file imports (absolute imports only: ours never import relatively across packages)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules_importing(top: str) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(name == top or name.startswith(top + ".") for name in _imports(path)):
                found.append(path.relative_to(ROOT).as_posix())
    return found


def test_only_the_sqlcipher_module_imports_sqlcipher3() -> None:
    assert set(_modules_importing("sqlcipher3")) <= {"sync/_sqlcipher.py"}


def test_only_fieldapp_imports_flet() -> None:
    offenders = [m for m in _modules_importing("flet") if not m.startswith("fieldapp/")]
    assert offenders == []


def test_import_contracts_hold() -> None:
    """import-linter's contracts in pyproject.toml (forms pure, sync below the app, hub apart from the device)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail(f"import-linter is not installed beside {sys.executable}: run `make install`")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_private_modules_contract_names_every_private_module() -> None:
    """A new private module of protocol, sync or forms is out of bounds to the app and the hub from its first day."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (private,) = [c for c in contracts if c["name"] == "private modules stay private"]
    on_disk = {
        f"{package}.{path.stem}"
        for package in ("protocol", "sync", "forms")
        for path in (ROOT / package).glob("_*.py")
        if path.name != "__init__.py"
    }
    assert set(private["forbidden_modules"]) == on_disk
    assert set(private["source_modules"]) == {"fieldapp", "hub"}


def test_architecture_md_names_every_module() -> None:
    """ARCHITECTURE.md is the map: a newcomer finds any module from it in one hop (entry points included)."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    unnamed = [
        path.relative_to(ROOT).as_posix()
        for package in ("protocol", "forms", "sync", "hub", "fieldapp")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name != "__init__.py" and "versions" not in path.parts and path.name not in text
    ]
    assert unnamed == []
