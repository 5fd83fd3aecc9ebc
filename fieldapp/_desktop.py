"""Can the desktop window open here without downloading anything?

Flet's desktop mode needs two things the app does not ship: the ``flet-desktop`` package (``ft.run`` pip-installs it
when missing or of another version) and its Flutter client, which flet-desktop 1.0.5 downloads from GitHub on first
run into ``~/.flet/client/flet-desktop-{flavor}-{version}`` and dies with a raw URLError when there is no internet.
This module answers the question from what is on the disk, mirroring flet-desktop's own search (``FLET_VIEW_PATH``,
an archive bundled in the package, the client cache), and never downloads. When the answer is no, the app says so
and opens in the user's browser instead (``_app``).
"""

from __future__ import annotations

import importlib
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import flet as ft

NO_SCREEN = "There is no screen here for the app's own window."
NOT_INSTALLED = "The app's desktop window is not installed on this computer (the flet-desktop package is missing)."
OTHER_VERSION = "The app's desktop window on this computer is for another version of the app."
NOT_DOWNLOADED = "The app's desktop window has not been installed on this computer (it would need a download)."


def desktop_problem(env: Mapping[str, str] | None = None) -> str:
    """Why the desktop window cannot open here ("" when it can), without touching the network."""
    env = os.environ if env is None else env
    if _headless(env):
        return NO_SCREEN
    module = _flet_desktop()
    if module is None:
        return NOT_INSTALLED
    version = getattr(getattr(module, "version", None), "version", None)
    if version != ft.version.flet_version:
        return OTHER_VERSION
    if not _client_on_disk(module, env):
        return NOT_DOWNLOADED
    return ""


def has_screen(env: Mapping[str, str] | None = None) -> bool:
    """A window (or a browser for the user) can be shown here; on a headless machine ``webbrowser`` would start a
    text browser in the terminal instead."""
    return not _headless(os.environ if env is None else env)


def _headless(env: Mapping[str, str]) -> bool:
    """Flet itself serves to a browser then (``is_linux_server``; ``FLET_FORCE_WEB_SERVER``)."""
    if env.get("FLET_FORCE_WEB_SERVER", "").lower() in ("1", "true", "yes"):
        return True
    if platform.system() != "Linux":
        return False
    try:
        if "microsoft" in Path("/proc/version").read_text(encoding="utf-8"):
            return False  # WSL shows windows through its own display server
    except OSError:
        pass
    return not env.get("DISPLAY")


def _flet_desktop() -> ModuleType | None:
    try:
        module = importlib.import_module("flet_desktop")
        importlib.import_module("flet_desktop.version")
    except Exception:  # missing, or broken: either way Flet would try to install it
        return None
    return module


def _client_on_disk(module: ModuleType, env: Mapping[str, str]) -> bool:
    view_path = env.get("FLET_VIEW_PATH")
    if view_path and any((Path(view_path) / name).exists() for name in ("flet", "flet.exe")):
        return True
    try:
        bundled = Path(module.get_package_bin_dir()) / module.get_artifact_filename()
        if bundled.exists():
            return True  # flet-desktop unpacks it without a download
        # flet-desktop's own answer for the cache folder (it depends on the flavour chosen in pyproject.toml).
        storage = getattr(module, "__get_client_storage_dir", None)
        if storage is not None:
            return bool(Path(storage(None)).exists())
    except Exception:  # noqa: S110 - its internals moved: look for the folder by name below
        pass
    version = module.version.version
    cache = Path.home() / ".flet" / "client"
    return any(cache.glob(f"flet-desktop-*-{version}"))
