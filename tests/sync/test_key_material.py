"""Key material: held in bytearrays that are wiped when done with, never logged; memory security a setting.

``cipher_memory_security`` is process-wide and cannot be turned off again, so its checks run in a child process.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync import Vault, VaultSettings, WrongPassphrase, _keys, _vault
from sync._keys import KdfParams, read_header
from sync._paths import HEADER_NAME

PASS = "correct horse battery staple"
NEW = "violet kettle umbrella sonnet 17"
FAST = VaultSettings.for_tests()


class _Tracked:
    """Every bytearray the vault gets from the key functions, to look at after the vault is done with them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.buffers: list[bytearray] = []
        for name in ("derive_kek", "unwrap_key", "new_key"):
            real = getattr(_vault, name)

            def tracked(*args: object, _real: object = real) -> bytearray | None:
                out = _real(*args)  # type: ignore[operator]
                if out is not None:
                    assert isinstance(out, bytearray)
                    self.buffers.append(out)
                return out  # type: ignore[no-any-return]

            monkeypatch.setattr(_vault, name, tracked)

    def all_wiped(self) -> bool:
        return bool(self.buffers) and all(not any(b) for b in self.buffers)


def test_every_key_buffer_is_wiped_by_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tracked = _Tracked(monkeypatch)
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    vault.change_passphrase(PASS, NEW)
    vault.rotate_key()
    vault.lock()
    vault.unlock(NEW)
    assert any(any(b) for b in tracked.buffers)  # live while unlocked: the check below can fail
    vault.lock()
    assert len(tracked.buffers) >= 6
    assert tracked.all_wiped()


def test_a_wrong_passphrase_leaves_no_key_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Vault.create(tmp_path, PASS, settings=FAST).lock()
    tracked = _Tracked(monkeypatch)
    vault = Vault.open(tmp_path, settings=FAST)
    with pytest.raises(WrongPassphrase):
        vault.unlock("not the passphrase at all")
    assert tracked.all_wiped()


def test_a_failed_passphrase_change_wipes_what_it_derived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    tracked = _Tracked(monkeypatch)
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase("not the passphrase at all", NEW)
    assert tracked.all_wiped()
    vault.lock()


def test_a_failed_create_wipes_its_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tracked = _Tracked(monkeypatch)

    def no_header(path: Path, header: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(_vault, "write_header", no_header)
    with pytest.raises(OSError, match="disk full"):
        Vault.create(tmp_path, PASS, settings=FAST)
    assert len(tracked.buffers) == 2
    assert tracked.all_wiped()


def test_the_kdf_reads_the_passphrase_from_a_buffer_it_wipes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytearray] = []
    real = _keys.Argon2id

    class Spy:
        def __init__(self, **kwargs: object) -> None:
            self._inner = real(**kwargs)  # type: ignore[arg-type]

        def derive_into(self, secret: bytearray, out: bytearray) -> int:
            seen.append(secret)
            assert secret == bytearray(PASS, "utf-8")  # the real passphrase goes in
            return self._inner.derive_into(secret, out)

    monkeypatch.setattr(_keys, "Argon2id", Spy)
    kek = _keys.derive_kek(PASS, b"s" * 16, FAST.kdf)
    monkeypatch.undo()
    assert isinstance(kek, bytearray)
    assert kek == _keys.derive_kek(PASS, b"s" * 16, FAST.kdf)
    assert seen == [bytearray(len(PASS))]  # and its bytes were overwritten after use


def test_no_key_material_in_logs_output_or_messages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    vault = Vault.create(tmp_path, PASS, settings=FAST)
    secrets = [bytes(vault._key or b"").hex(), bytes(vault._kek or b"").hex(), PASS]
    vault.rotate_key()
    secrets.append(bytes(vault._key or b"").hex())
    vault.lock()
    with pytest.raises(WrongPassphrase) as wrong:
        vault.unlock("not the passphrase at all")
    vault.unlock(PASS)
    out, err = capfd.readouterr()
    said = "\n".join([caplog.text, out, err, str(wrong.value), repr(wrong.value), repr(vault), repr(vault.settings)])
    assert all(len(s) >= 28 for s in secrets)
    for secret in secrets:
        assert secret not in said
    vault.lock()


def test_a_vault_keeps_a_higher_cost_from_its_header(tmp_path: Path) -> None:
    costly = VaultSettings.for_tests(kdf=KdfParams(memory_kib=2048, iterations=3, lanes=1))
    Vault.create(tmp_path, PASS, settings=costly).lock()
    vault = Vault.open(tmp_path, settings=FAST)  # the app's own default is now lower
    vault.unlock(PASS)
    vault.lock()
    assert read_header(tmp_path / HEADER_NAME).kdf == costly.kdf
    Vault.open(tmp_path, settings=FAST).unlock(PASS)


def test_production_argon2_cost_is_above_owasps_floor() -> None:
    kdf = VaultSettings().kdf
    assert kdf.memory_kib >= 19 * 1024
    assert kdf.iterations >= 2
    assert kdf.memory_kib <= 128 * 1024  # an older 8 GB laptop runs the app beside a browser and Teams


_CHILD = """
import sys, tempfile
from pathlib import Path
from sync import Vault, VaultSettings
with tempfile.TemporaryDirectory() as tmp:
    settings = VaultSettings.for_tests(memory_security=sys.argv[1] == "on") if sys.argv[1] != "default" else None
    vault = Vault.create(Path(tmp) / "v", "correct horse battery staple", settings=settings)
    with vault.read() as conn:
        conn.execute("SELECT count(*) FROM records").fetchone()
        print(conn.execute("PRAGMA cipher_memory_security").fetchone()[0])
    vault.lock()
"""


# The child imports _sqlcipher, so "on" is also memory security working beside the widened lookaside pool.
@pytest.mark.parametrize(("choice", "expected"), [("default", "0"), ("on", "1")])
def test_memory_security_is_off_by_default_and_a_setting(choice: str, expected: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, choice], capture_output=True, text=True, check=True, timeout=120, env=env
    )
    assert out.stdout.strip().splitlines()[-1] == expected
