"""The analytics dashboard in Debian's Chromium, against Signoff under uvicorn.

A space admin opens Analytics from the navigation (on the one space they
administer), narrows the range to the week the reviews happened, and reads the
charts. Screenshots go to `.artifacts/` at desktop and phone widths.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import screenshot
from factories import PASSWORD
from live_server import live_server
from signoff.api.app import create_app
from signoff.config import Settings
from web.conftest import populate

pytestmark = pytest.mark.slow


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    populate(app.state.db)
    with live_server(app) as base_url:
        yield base_url


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_an_admin_reads_the_analytics_of_a_chosen_range(
    site: str, chromium: Any
) -> None:
    from playwright.sync_api import expect

    base_url = site
    problems: list[str] = []
    page = chromium.new_page(viewport={"width": 1360, "height": 900})
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type == "error" else None
        ),
    )
    page.goto(base_url + "/queue")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/queue")

    page.get_by_role("link", name="Analytics").click()
    # The admin administers DOCS alone, so Analytics opens on it.
    page.wait_for_url(base_url + "/analytics")
    expect(page.get_by_role("heading", name="Analytics: DOCS space")).to_be_visible()

    # The reviews happened on 5 January 2026; today's default range may miss them.
    page.get_by_label("From (UTC)").fill("2026-01-01")
    page.get_by_label("To (UTC)").fill("2026-01-14")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"/analytics/DOCS\?from=2026-01-01&to=2026-01-14"))
    trend = page.get_by_role("img", name=re.compile(r"^Requests per day: 27 submitted"))
    expect(trend).to_be_visible()
    assert trend.locator("rect").count() == 3
    statuses = page.get_by_role("img", name=re.compile(r"by current status: 24 pend"))
    expect(statuses).to_be_visible()
    assert statuses.locator("rect").count() == 3
    expect(page.get_by_role("table").last).to_contain_text("Approver")
    page.get_by_text("Trend as a table").click()
    expect(page.get_by_role("cell", name="2026-01-14")).to_be_visible()
    screenshot(page, "analytics")

    page.get_by_label("Interval").select_option("week")
    page.get_by_role("button", name="Show").click()
    weekly = page.get_by_role("img", name=re.compile(r"^Requests per week: 27"))
    expect(weekly).to_be_visible()
    assert weekly.locator("rect").count() == 3

    page.set_viewport_size({"width": 390, "height": 844})
    assert page_width(page) <= 390
    assert problems == []

    # A bad range comes back as a 400 page, which Chromium logs as a failed load.
    page.get_by_label("To (UTC)").fill("2025-12-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The To date must not be before the From date."
    )
    assert problems == [
        "Failed to load resource: the server responded with a status of 400 "
        "(Bad Request)"
    ]
