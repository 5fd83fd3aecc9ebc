"""Fixtures for the field app's unit tests: real Services over a real (fast-KDF) vault in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp._config import AppConfig
from fieldapp._services import Services

PASSPHRASE = "amber otter quietly folds maps"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = Services(AppConfig(data_dir=tmp_path / "data", fast_kdf=True))
    yield svc
    svc.close()


@pytest.fixture
def unlocked(services: Services) -> Services:
    assert services.create_vault(PASSPHRASE) == ""
    return services
