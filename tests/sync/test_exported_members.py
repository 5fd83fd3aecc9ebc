"""The sync package's public names: every one resolves; and the protocol below it stays light."""

from __future__ import annotations

import subprocess
import sys

import protocol
import sync


def test_every_exported_name_resolves_to_an_object_of_that_name() -> None:
    for name in sync.__all__:
        value = getattr(sync, name)
        assert getattr(value, "__name__", name) == name


def test_every_protocol_name_resolves_to_an_object_of_that_name() -> None:
    for name in protocol.__all__:
        assert hasattr(protocol, name), name


def test_importing_the_protocol_loads_neither_the_device_side_nor_its_dependencies() -> None:
    """The hub imports ``protocol``: that must not drag in sync, SQLCipher or httpx."""
    code = (
        "import sys, protocol; print(sorted(m for m in ('sqlcipher3', 'httpx', 'sync', 'forms') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_the_hub_app_runs_without_the_device_side() -> None:
    """Building the hub's app imports no part of sync (and so neither SQLCipher nor the sync client)."""
    code = (
        "import sys, hub._app; "
        "print(sorted(m for m in sys.modules if m == 'sync' or m.startswith('sync.') or m == 'sqlcipher3'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"
