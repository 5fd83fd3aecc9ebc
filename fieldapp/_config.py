"""Start-up configuration: command line, environment, platform defaults.

Precedence for the data folder: ``--data-dir``, then ``MASH_FIELDAPP_DATA``, then the platform's user data folder.

Test-only switches (never set them on a practitioner's machine):

- ``MASH_FIELDAPP_TEST_FAST_KDF=1``: cheap Argon2id parameters so tests unlock in milliseconds.
- ``MASH_FIELDAPP_TEST_IDLE_S=<seconds>``: overrides the idle lock timeout (e.g. ``3``) so the lock flow is testable.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "mash-field"
ENV_DATA = "MASH_FIELDAPP_DATA"
ENV_FAST_KDF = "MASH_FIELDAPP_TEST_FAST_KDF"
ENV_IDLE = "MASH_FIELDAPP_TEST_IDLE_S"
ENV_CA = "MASH_CA_BUNDLE"
DEFAULT_IDLE_S = 300.0


@dataclass(frozen=True)
class AppConfig:
    """Everything the app needs to know before it opens a window."""

    data_dir: Path
    hub_url: str | None = None
    web: bool = False
    port: int = 0  # the browser's port on 127.0.0.1 (the only address the app ever listens on); 0: any free port
    open_browser: bool = True  # web mode: hand the link to the user's browser (when there is a screen)
    fast_kdf: bool = False
    idle_timeout_s: float | None = None  # None: the vault's own setting (5 minutes unless the user changed it)
    #: A PEM file of the CAs to trust for the hub instead of the operating system's store (--ca-bundle or
    #: MASH_CA_BUNDLE); None: the system store, where a council's IT team installs its internal CA.
    ca_bundle: str | None = None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m fieldapp", description="MASH field app (offline-first).")
    p.add_argument("--data-dir", type=Path, help=f"where the encrypted vault lives (else ${ENV_DATA}, else per user)")
    p.add_argument("--hub-url", help="hub address to prefill on the enrolment screen")
    p.add_argument("--web", action="store_true", help="serve the app to a browser instead of a desktop window")
    p.add_argument("--port", type=int, default=0, help="web mode: port on 127.0.0.1 (default: any free port)")
    p.add_argument("--no-browser", action="store_true", help="web mode: only print the link, open no browser")
    p.add_argument("--ca-bundle", help=f"PEM file of CAs to trust for the hub (else ${ENV_CA}, else the system's)")
    return p


def parse_config(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    """Build the configuration from ``argv`` and ``env`` (defaults: the process's own)."""
    env = os.environ if env is None else env
    args = _parser().parse_args(argv)
    if args.data_dir is not None:
        data_dir = Path(args.data_dir)
    elif env.get(ENV_DATA):
        data_dir = Path(env[ENV_DATA])
    else:
        data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    idle: float | None = None
    raw_idle = env.get(ENV_IDLE, "")
    if raw_idle:
        try:
            idle = max(0.5, float(raw_idle))
        except ValueError:
            idle = None
    return AppConfig(
        data_dir=data_dir.expanduser().resolve(),
        hub_url=args.hub_url,
        web=bool(args.web),
        port=int(args.port),
        open_browser=not args.no_browser,
        fast_kdf=env.get(ENV_FAST_KDF) == "1",
        idle_timeout_s=idle,
        ca_bundle=args.ca_bundle or env.get(ENV_CA) or None,
    )
