"""Playwright helpers for driving the Flet web client in Debian's headless Chromium.

Flutter draws on a canvas; its accessible DOM appears only after the semantics placeholder is clicked. These helpers
do that as the page loads, then find widgets by role, label and ``flt-semantics-identifier`` (set with
``ft.Semantics(identifier=)``). Text goes in by focusing the field through the accessible DOM and waiting until
Flutter has taken that input for editing (``focus_for_typing``), never by clicking at coordinates. Every wait polls a
condition with a deadline; nothing sleeps blindly except ``settle`` before a screenshot (the accessible DOM updates
before the canvas repaints).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

from tests.support.webapp import launch_link

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Turn on Flutter's accessible DOM the moment the engine offers it (its placeholder appears), before the app's first
# screen arrives. Flutter chooses how text is edited once, at the first focused field: before the accessible DOM is on,
# it edits through a hidden input of its own and the labelled inputs the tests find never take the typing (an autofocus
# field that arrived first made the setup screen's passphrase unusable).
SEMANTICS_EARLY = """(() => {
  const enable = () => {
    const p = document.querySelector('flt-semantics-placeholder');
    if (p) p.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    return p !== null;
  };
  const watch = new MutationObserver(() => { if (enable()) watch.disconnect(); });
  watch.observe(document, {childList: true, subtree: true});
})();"""
OPEN_PAGES: list[AppPage] = []
"""Pages not yet closed, so a failing test's hook can save what each one showed (see tests/e2e/conftest.py)."""
TRACE = os.environ.get("MASH_E2E_TRACE", "") == "1"


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class AppPage:
    """One browser tab on the app, with a folder for the screenshots of the flow it walks."""

    def __init__(
        self,
        browser: Browser,
        url: str,
        flow: str,
        width: int = 1280,
        height: int = 860,
        prefix: str = "",
        context: BrowserContext | None = None,
    ) -> None:
        """A new browser (context) on the app; with ``context``, a new tab of that browser, sharing its cookies."""
        self.prefix = prefix
        viewport = {"width": width, "height": height}
        self.page: Page = context.new_page() if context else browser.new_page(viewport=viewport)  # type: ignore[arg-type]
        if TRACE:
            self.page.context.tracing.start(screenshots=True, snapshots=True)
        OPEN_PAGES.append(self)
        self.page.set_default_timeout(20_000)
        self.page.add_init_script(SEMANTICS_EARLY)
        self.url = url
        self.shots = ARTIFACTS / flow
        self.shots.mkdir(parents=True, exist_ok=True)
        self._n = 0

    def open(self, path: str = "/") -> AppPage:
        """Open the app at ``path`` from the link with its launch secret (the app drops it from the address)."""
        self.page.goto(launch_link(self.url, path))
        self.enable_semantics()
        return self

    def enable_semantics(self, timeout_s: float = 30.0) -> None:
        """Wait for Flutter's accessible DOM (``SEMANTICS_EARLY`` turns it on as the page loads; if it has not,
        click the placeholder here) and check that Flutter does not edit text through its own hidden input."""
        deadline = time.monotonic() + timeout_s
        while not self.page.locator("flt-semantics").count():
            placeholder = self.page.locator("flt-semantics-placeholder")
            if placeholder.count():
                placeholder.dispatch_event("click")
            if time.monotonic() > deadline:
                raise TimeoutError("Flutter's accessible DOM never appeared")
            self.page.wait_for_timeout(50)
        own_input = self.page.locator("input.flt-text-editing, textarea.flt-text-editing").count()
        assert not own_input, "Flutter edits text through its own hidden input: the accessible DOM came on too late"

    # -- finding -------------------------------------------------------------------------------------------------
    def ident(self, identifier: str) -> Locator:
        return self.page.locator(f"[flt-semantics-identifier='{identifier}']")

    def button(self, name: str, exact: bool = False) -> Locator:
        return self.page.get_by_role("button", name=name, exact=exact).first

    def textbox(self, name: str) -> Locator:
        return self.page.get_by_role("textbox", name=name).first

    def text(self, text: str | re.Pattern[str]) -> Locator:
        return self.page.get_by_text(text).first

    # -- acting --------------------------------------------------------------------------------------------------
    def focus_for_typing(self, box: Locator, timeout_s: float = 10.0) -> None:
        """Give ``box`` Flutter's keyboard focus and wait until Flutter's text editing has taken this very element.

        Never by a pointer click: Playwright clicks at coordinates it measured a moment before, and Flutter hit-tests
        its own layout, so a click while the form scrolls or grows lands on whatever field is drawn there now (seen:
        a phone number appended to the referrer's name). Focusing the ``<input>`` asks Flutter, through its
        accessibility tree, to focus exactly this field. Flutter then takes the element for editing and configures
        it (it writes the element's ``autocorrect`` attribute); only from then on does it hear the element's input
        events, so typing earlier is lost or mangled. The attribute is first set to a marker, and the wait is for
        Flutter to overwrite it while the element has the page's focus. If Flutter keeps editing elsewhere (a field
        focused before the accessibility tree existed keeps Flutter's own hidden input), the focus is taken away
        and given again.
        """
        box.wait_for(state="attached", timeout=timeout_s * 1000)
        taken = "e => document.activeElement === e && e.getAttribute('autocorrect') !== 'mash-pending'"
        if box.evaluate(taken):
            return  # Flutter focuses this DOM element itself only when it takes it for editing
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            box.evaluate("e => e.setAttribute('autocorrect', 'mash-pending')")
            box.focus()
            give_up = min(deadline, time.monotonic() + 3.0)
            while time.monotonic() < give_up:
                if box.evaluate(taken):
                    return
                self.page.wait_for_timeout(25)
            self.page.evaluate("() => document.activeElement && document.activeElement.blur()")
        raise TimeoutError(f"Flutter never took {box} for editing")

    def type_into(self, box: Locator, text: str) -> None:
        """Focus the field (see ``focus_for_typing``), replace its text, and check that the text went into this
        field: it still has the focus and shows exactly ``text``."""
        for _ in range(3):
            self.focus_for_typing(box)
            box.fill(text)
            kept: bool = box.evaluate("(e, t) => document.activeElement === e && e.value === t", text)
            if kept:
                return
        raise AssertionError(f"could not type {text!r} into {box}: it shows {box.input_value()!r}")

    def type_label(self, label: str, text: str) -> None:
        self.type_into(self.textbox(label), text)

    def type_ident(self, identifier: str, text: str) -> None:
        self.type_into(self.ident(identifier).get_by_role("textbox").first, text)

    def tick(self, box: Locator, what: str) -> None:
        """Tick a checkbox and wait until the app shows it ticked (a click can be lost while Flutter redraws);
        a box that was ticked already is an error, not a success: the click would have cleared it."""
        if _checked(box):
            raise AssertionError(f"{what}: the box was ticked before it was clicked")
        for _ in range(3):
            box.click()
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:
                if _checked(box):
                    return
                self.page.wait_for_timeout(100)
        raise AssertionError(f"{what}: the box never showed as ticked")

    def click(self, name: str, exact: bool = False) -> None:
        # Flutter changes the address with pushState, which Playwright may count as a navigation and wait on until
        # its timeout (seen once after "Enrol"); every caller waits for what the click should bring about instead.
        self.button(name, exact).click(no_wait_after=True)

    def follow(self, link: Locator, url_pattern: str, timeout_s: float = 20.0) -> None:
        """Click ``link`` and wait until the address matches ``url_pattern``. A click that lands while Flutter
        redraws the list (a sync finishing, the status line changing) hits the old layout and is lost; then the
        page is still where it was, and the link is clicked again, at most three times."""
        deadline = time.monotonic() + timeout_s
        for _ in range(3):
            link.click(no_wait_after=True)
            give_up = min(deadline, time.monotonic() + 5.0)
            while time.monotonic() < give_up:
                if re.search(url_pattern, self.page.url):
                    return
                self.page.wait_for_timeout(100)
        raise TimeoutError(f"url {self.page.url} never matched {url_pattern} after clicking {link}")

    def wait_text(self, text: str | re.Pattern[str], timeout_s: float = 20.0) -> str:
        """Wait until some text or accessible label on the page contains ``text``; returns the whole page text."""
        deadline = time.monotonic() + timeout_s
        while True:
            body = self.body_text()
            if (text.search(body) if isinstance(text, re.Pattern) else text in body) is not None and (
                isinstance(text, re.Pattern) or text in body
            ):
                return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"text {text!r} never appeared; the page says: {body[-1500:]}")
            self.page.wait_for_timeout(150)

    def wait_url(self, suffix: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.page.url.split("?", 1)[0].endswith(suffix):
                return
            self.page.wait_for_timeout(100)
        raise TimeoutError(f"url {self.page.url} never ended with {suffix}")

    def wait_url_re(self, pattern: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if re.search(pattern, self.page.url):
                return
            self.page.wait_for_timeout(100)
        raise TimeoutError(f"url {self.page.url} never matched {pattern}")

    def body_text(self) -> str:
        """Every label and text in the accessible DOM (what a screen reader would read)."""
        texts: list[str] = self.page.evaluate(
            """() => Array.from(document.querySelectorAll('flt-semantics')).map(e =>
                   [e.getAttribute('aria-label') || '', e.textContent || ''].join(' '))"""
        )
        return "\n".join(texts)

    def scroll_to(self, loc: Locator, top: float = 90.0) -> None:
        """Scroll Flutter's canvas (mouse wheel over the page) until ``loc`` sits near the top, for a screenshot."""
        self.page.mouse.move(640, 450)
        for _ in range(30):
            box = loc.bounding_box()
            if box is None:
                return
            delta = box["y"] - top
            if abs(delta) < 40:
                return
            self.page.mouse.wheel(0, max(-800.0, min(800.0, delta)))
            self.page.wait_for_timeout(150)

    def settle(self, ms: int = 600) -> None:
        self.page.wait_for_timeout(ms)

    def shot(self, name: str) -> Path:
        self.settle()
        self._n += 1
        path = self.shots / f"{self.prefix}{self._n:02d}-{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def save_failure(self, folder: Path, name: str) -> None:
        """Keep what this page showed when a test failed: screenshot, accessible text, focus and the trace."""
        folder.mkdir(parents=True, exist_ok=True)
        try:
            self.page.screenshot(path=str(folder / f"{name}.png"))
            focus = self.page.evaluate(
                "() => { const a = document.activeElement; return a ? a.outerHTML.slice(0, 400) : ''; }"
            )
            (folder / f"{name}.txt").write_text(f"url: {self.page.url}\nfocus: {focus}\n\n{self.body_text()}")
            if TRACE:
                self.page.context.tracing.stop(path=str(folder / f"{name}-trace.zip"))
        except Exception as e:  # the page may already be gone; keep whatever was saved
            (folder / f"{name}-error.txt").write_text(repr(e))

    def close(self) -> None:
        if self in OPEN_PAGES:
            OPEN_PAGES.remove(self)
        if TRACE:
            self.page.context.tracing.stop()
        self.page.close()


def _checked(box: Locator) -> bool:
    return box.get_attribute("aria-checked") == "true" or box.is_checked()


class FormDriver:
    """Fill a rendered form by field path: each field is wrapped in ``Semantics(identifier="f-<path>")``."""

    def __init__(self, ui: AppPage) -> None:
        self.ui = ui
        self.typed: dict[str, str] = {}

    def field(self, path: str) -> Locator:
        return self.ui.ident(f"f-{path}")

    def text(self, path: str, value: str) -> None:
        self.ui.type_into(self.box(path), value)
        self.typed[path] = value

    def date(self, path: str, iso: str) -> None:
        """A date field's Day, Month and Year boxes (UK order), from an ISO date: 2025-06-01 is typed 1, 6, 2025."""
        year, month, day = iso.split("-")
        for name, part in (("Day", str(int(day))), ("Month", str(int(month))), ("Year", year)):
            self.ui.type_into(self.part(path, name), part)
            self.typed[f"{path}#{name}"] = part

    def part(self, path: str, name: str) -> Locator:
        """One of a date field's boxes: "Day", "Month" or "Year"."""
        return self.field(path).get_by_role("textbox", name=name, exact=True).first

    def box(self, path: str) -> Locator:
        if "#" in path:  # a date's part, as ``date`` notes it
            field, name = path.split("#", 1)
            return self.part(field, name)
        return self.field(path).get_by_role("textbox").first

    def check_typed(self) -> None:
        """Every field typed into still shows exactly what was typed there (text that went astray into another
        field shows up here as that field's changed value)."""
        wrong = {p: got for p, v in self.typed.items() if (got := self.box(p).input_value()) != v}
        assert not wrong, f"fields that do not show what was typed into them: {wrong}"

    def submit(self, leave_url: str) -> None:
        """Check the typed fields, press "Continue", check the answers page appears, press "Submit form" on it and
        wait for the URL to match ``leave_url``. A refusal fails with the app's error summary: a typed value the
        app did not hear is a bug, not something to type again."""
        self.check_typed()
        self.ui.click("Continue", exact=True)
        try:
            self.ui.wait_text("Check your answers before sending", timeout_s=20)
        except TimeoutError:
            self.ui.shot("form-refused")
            raise AssertionError(self.problems()) from None
        self.ui.shot("check-answers")
        self.ui.click("Submit form")
        self.ui.wait_url_re(leave_url, timeout_s=20)

    def problems(self) -> list[str]:
        """The error summary's problems, as the screen shows them."""
        links = self.ui.page.locator("[flt-semantics-identifier^='problem-']")
        found = [links.nth(i) for i in range(links.count())]
        return [link.inner_text() or link.get_attribute("aria-label") or "" for link in found]

    def radio(self, path: str, label: str) -> None:
        """Choose an option and wait until the app shows it chosen (a click can be lost while Flutter redraws)."""
        option = self.field(path).get_by_role("radio", name=label, exact=True).first
        for _ in range(3):
            option.click()
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:
                if option.get_attribute("aria-checked") == "true" or option.is_checked():
                    return
                self.ui.page.wait_for_timeout(100)
        raise AssertionError(f"{path}: option {label!r} never showed as chosen")

    def tick(self, path: str, label: str) -> None:
        self.ui.tick(self.field(path).get_by_role("checkbox", name=label).first, f"{path}: {label!r}")

    def press(self, path: str, name: str) -> None:
        self.field(path).get_by_role("button", name=name).first.click()

    def wait(self, path: str, timeout_s: float = 20.0) -> Locator:
        loc = self.field(path)
        loc.wait_for(state="attached", timeout=timeout_s * 1000)
        return loc

    def scroll_to(self, path: str) -> None:
        self.ui.scroll_to(self.field(path))
