"""The images the forms' body map is drawn on, and the service's icon: package data (``forms/assets/``), so the
field app (Flet's assets folder) and the console (the body map in a referral) find them in a checkout and in an
installed wheel alike."""

from __future__ import annotations

from pathlib import Path
from typing import Final

ASSETS: Final = Path(__file__).resolve().parent / "assets"
