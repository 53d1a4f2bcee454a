"""Debian's Chromium for browser tests: one way to launch it, never a download.

Browser tests are part of `make test`: a missing Chromium is an error that says how
to install it, never a silent skip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
