"""Debian's Chromium for browser tests: one way to launch it, never a download.

Browser tests are part of `make test`: a missing Chromium is an error that says how
to install it, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts"


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from the system's package."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: 'make system-deps' installs Debian's chromium"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """Playwright driving Debian's Chromium until the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """One browser tab on a live server, collecting console errors as it goes."""

    base: str
    page: Any
    problems: list[str] = field(default_factory=list)

    def sign_in_as(self, username: str, next_path: str) -> None:
        if self.page.get_by_role("button", name="Sign out").count():
            self.page.get_by_role("button", name="Sign out").click()
        self.page.goto(self.base + next_path)
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + next_path)

    def shot(self, name: str) -> None:
        """The page as it is now, whole, at the current width."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def shots(self, name: str) -> None:
        """The page at desktop and phone widths: `NAME-1360.png`, `NAME-390.png`."""
        for width, height in ((1360, 900), (390, 844)):
            self.page.set_viewport_size({"width": width, "height": height})
            self.shot(f"{name}-{width}")
        self.page.set_viewport_size({"width": 1360, "height": 900})


@contextmanager
def visit(base: str) -> Iterator[Visit]:
    """A Chromium tab at desktop width on the server at `base`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1360, "height": 900})
            tab = Visit(base, context.new_page())
            tab.page.on(
                "console",
                lambda m: tab.problems.append(m.text) if m.type == "error" else None,
            )
            yield tab
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> None:
    """`name` at a desktop and a phone width, under `.artifacts/`, for people to
    look at; the viewport is left at the desktop width."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 900})
    page.screenshot(path=str(ARTIFACTS / f"{name}-1360.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1360, "height": 900})
