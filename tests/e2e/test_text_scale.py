"""Text scales with the user's setting: at twice the browser's font size the app's text is twice as tall, and the
first-run screen still works (fields reachable, vault created)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import AppPage
from tests.support.webapp import WebApp

PASSPHRASE = "amber otter quietly folds maps"
HEADING = "Set up this device"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _larger_text(ui: AppPage, root_font_size: str) -> None:
    """What a user's "font size" browser setting does: the page's root font size, which Flutter reads as its scale."""
    ui.page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => "
        f"{{ document.documentElement.style.fontSize = '{root_font_size}'; }});"
    )


def _heading_height(ui: AppPage) -> float:
    ui.wait_text(HEADING)
    box = ui.text(HEADING).bounding_box()
    assert box is not None
    return float(box["height"])


def test_text_follows_the_users_font_size_and_the_screen_still_works(browser: Browser, tmp_path: Path) -> None:
    with WebApp(tmp_path / "data", log_dir=tmp_path) as app:
        normal = AppPage(browser, app.url, "text_scale").open()
        normal_height = _heading_height(normal)
        normal.shot("setup-normal-text")
        normal.close()

        large = AppPage(browser, app.url, "text_scale", prefix="large-")
        _larger_text(large, "32px")  # twice the default of 16px
        large.open()
        assert 1.7 <= _heading_height(large) / normal_height <= 2.3
        large.shot("setup-200-percent-text")
        large.type_label("Passphrase", PASSPHRASE)
        large.type_label("Confirm passphrase", PASSPHRASE)
        large.scroll_to(large.button("Create vault"))
        large.click("Create vault")
        large.wait_url("/enrol")
        large.shot("enrol-200-percent-text")
        large.close()
