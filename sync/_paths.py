"""Where the vault lives on disk, and how its small files are written safely.

The data folder is, in order: the ``--data-dir`` the app was given, the ``MASH_FIELDAPP_DATA`` environment variable,
or the platform's user data folder (platformdirs). Tests and several users on one machine never collide.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Final

import platformdirs

ENV_VAR: Final = "MASH_FIELDAPP_DATA"
APP_NAME: Final = "mash-field"

DB_NAME: Final = "vault.db"
HEADER_NAME: Final = "vault.header"
LOCKOUT_NAME: Final = "vault.lockout"


def resolve_data_dir(override: Path | str | None = None) -> Path:
    """The data folder: ``override`` (the command line), else ``$MASH_FIELDAPP_DATA``, else the platform's."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, never a mix.

    Temp file in the same folder, fsync, rename over, fsync the folder.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def ensure_private_dir(path: Path) -> None:
    """Create the data folder (or tighten an existing one) so only its owner can read it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # best effort: e.g. a folder owned by someone else stays as it is
        path.chmod(0o700)


__all__ = [
    "DB_NAME",
    "ENV_VAR",
    "HEADER_NAME",
    "LOCKOUT_NAME",
    "atomic_write",
    "ensure_private_dir",
    "fsync_dir",
    "resolve_data_dir",
]
