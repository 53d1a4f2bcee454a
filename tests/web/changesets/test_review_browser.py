"""An approver reviews a three-page change set on one page in Debian's Chromium,
against Signoff under uvicorn: approves two pages and rejects one with a reason, each
time coming back to the review page at that page, and the statuses follow.

The review page is saved at 1,360 px into `docs/images/` for the web UI's guide
(`docs/web-ui.md`), before and after the decisions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factories import PASSWORD, later
from live_server import live_server
from oauth.support import Clock
from signoff.api.app import create_app
from signoff.config import Settings
from web.changesets.conftest import build

pytestmark = pytest.mark.slow
DOC_IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"


def doc_shot(page: Any, name: str) -> None:
    """The whole page at 1,360 px, as `docs/images/NAME-1360.png`."""
    DOC_IMAGES.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 900})
    page.screenshot(path=str(DOC_IMAGES / f"{name}-1360.png"), full_page=True)


@pytest.fixture
def site(
    sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[str, int, dict[str, int]]]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    app.state.clock = Clock(later(10))  # the same dates in every screenshot
    change_set_id, page_ids, _people = build(app.state.db, with_draft=False)
    with live_server(app) as base_url:
        yield base_url, change_set_id, page_ids


def test_an_approver_decides_a_three_page_change_set_on_its_review_page(
    site: tuple[str, int, dict[str, int]], chromium: Any
) -> None:
    from playwright.sync_api import expect

    base_url, change_set_id, page_ids = site
    problems: list[str] = []
    page = chromium.new_page(viewport={"width": 1360, "height": 900})
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type == "error" else None
        ),
    )
    detail = f"/changesets/{change_set_id}"
    page.goto(base_url + detail)
    page.get_by_label("Username").fill("approver")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + detail)
    page.get_by_role("link", name="Review all changes").click()
    page.wait_for_url(f"{base_url}{detail}/review")

    expect(page.get_by_test_id("review-section")).to_have_count(3)
    expect(page.get_by_test_id("toc-change")).to_have_text(
        ["1 paragraph changed, 1 word", "1 added, 5 words", "1 removed, 4 words"]
    )
    expect(page.get_by_test_id("redline")).to_have_count(3)
    doc_shot(page, "changeset-review")

    def section(title: str) -> Any:
        return page.get_by_role("region", name=title)

    for title in ("Install guide", "Upgrade notes"):
        section(title).get_by_role("button", name="Approve").click()
        page.wait_for_url(f"**/review?page=1&view=changes#page-{page_ids[title]}")
        expect(section(title).get_by_test_id("section-status")).to_have_text("Approved")
        expect(section(title).get_by_role("button", name="Approve")).to_have_count(0)

    faq = section("FAQ")
    faq.get_by_label("Reason for rejecting").fill("Keep the answer about the logs.")
    faq.get_by_role("button", name="Reject").click()
    page.wait_for_url(f"**/review?page=1&view=changes#page-{page_ids['FAQ']}")
    expect(section("FAQ").get_by_test_id("section-status")).to_have_text("Rejected")
    expect(section("FAQ")).to_contain_text(
        "Approver rejected version 2", use_inner_text=True
    )
    expect(section("FAQ")).to_contain_text("Keep the answer about the logs.")
    expect(page.get_by_label("Rollup")).to_have_text("Has rejections")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    doc_shot(page, "changeset-review-decided")

    page.get_by_role("link", name="Release 3.0 docs").first.click()
    expect(page.get_by_text("Rejected by Approver:")).to_be_visible()
    assert problems == []  # no CSP violation, no missing asset
