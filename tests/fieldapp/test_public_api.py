from __future__ import annotations

import fieldapp


def test_exported_members() -> None:
    assert sorted(fieldapp.__all__) == sorted(
        ["AppConfig", "Event", "Services", "UnlockOutcome", "VaultStatus", "cli", "parse_config", "run"]
    )
    for name in fieldapp.__all__:
        assert getattr(fieldapp, name) is not None
