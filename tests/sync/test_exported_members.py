"""The sync package's public names: every one resolves, and the hub's imports stay light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sync


def test_every_exported_name_resolves_to_an_object_of_that_name() -> None:
    for name in sync.__all__:
        value = getattr(sync, name)
        assert getattr(value, "__name__", name) == name


def test_all_lists_exactly_the_lazily_loaded_names() -> None:
    assert sorted(sync.__all__) == sorted(sync._WHERE)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        sync.NoSuchThing  # noqa: B018


def test_importing_the_protocol_loads_neither_sqlcipher_nor_httpx() -> None:
    """The hub imports sync.protocol and sync.merge: that must not drag in the device's dependencies."""
    code = (
        "import sys, sync.protocol, sync.merge; print(sorted(m for m in ('sqlcipher3', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
