"""The queue and change sets in Debian's Chromium, against Signoff under uvicorn.

An approver signs in and finds a request under "Waiting for me"; an editor builds a
change set with the page picker, submits it and sees its rollup. Each page is saved
as a screenshot under `.artifacts/` at desktop and phone widths.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from browser import screenshot
from factories import PASSWORD, later
from live_server import live_server
from signoff.actions.acting import Acting
from signoff.actions.schedule import do_expire_approval
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import ApprovalRequest, Page
from signoff.db.session import Database
from web.conftest import populate

pytestmark = pytest.mark.slow


def expire_approval(db: Database, page_id: int) -> None:
    """Lapse the page's approval as the sweeper does when `validForDays` runs out."""
    with db.write() as session:
        page = session.get(Page, page_id)
        assert page is not None and page.approved_request_id is not None
        request_id = page.approved_request_id
        session.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == request_id)
            .values(expires_at=later(6))
        )
        assert do_expire_approval(session, request_id, by=Acting.system(later(7)))


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, list[int]]]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    _ids, page_ids = populate(app.state.db)
    expire_approval(app.state.db, page_ids[0])
    with live_server(app) as base_url:
        yield base_url, page_ids


def open_page(browser: Any, problems: list[str]) -> Any:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type == "error" else None
        ),
    )
    return page


def sign_in(page: Any, base_url: str, path: str, username: str) -> None:
    page.goto(base_url + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + path)


def test_an_approver_finds_a_request_waiting_for_them(
    site: tuple[str, list[int]], chromium: Any
) -> None:
    from playwright.sync_api import expect

    base_url, page_ids = site
    problems: list[str] = []
    page = open_page(chromium, problems)
    sign_in(page, base_url, "/queue", "approver")

    waiting = page.get_by_role("link", name="Waiting for me")
    expect(waiting).to_have_attribute("aria-current", "page")
    expect(waiting).to_contain_text("24")
    link = page.get_by_role("link", name="Guide 03", exact=True)
    expect(link).to_have_attribute("href", f"/spaces/DOCS/pages/{page_ids[3]}")
    screenshot(page, "queue")

    page.get_by_role("link", name="Stale").click()
    expect(page.get_by_role("link", name="Guide 02", exact=True)).to_be_visible()
    page.get_by_role("link", name="Expired").click()
    expired = page.get_by_role("row").filter(has_text="Guide 00")
    expect(expired.locator(".lozenge")).to_have_text("Expired")
    expired.get_by_role("link", name="Guide 00", exact=True).click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Expired")
    page.go_back()
    page.get_by_role("link", name="All pending").click()
    page.get_by_label("Submitter").fill("editor")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Guide 26", exact=True)).to_be_visible()
    assert "submitter=editor" in page.url
    assert problems == []  # no CSP violation, no missing asset


def test_an_editor_creates_and_submits_a_change_set(
    site: tuple[str, list[int]], chromium: Any
) -> None:
    from playwright.sync_api import expect

    base_url, _page_ids = site
    problems: list[str] = []
    page = open_page(chromium, problems)
    sign_in(page, base_url, "/changesets", "editor")
    page.get_by_role("link", name="New change set").click()
    expect(page.get_by_role("heading", name="New change set")).to_be_visible()
    page.get_by_label("Title").fill("Release 3.0 docs")
    page.get_by_label("Summary").fill("Everything that ships with 3.0.")
    page.get_by_label("Reference link").fill("https://git.example.com/pr/30")
    page.get_by_label("Guide 28").check()
    page.get_by_label("Guide 29").check()
    screenshot(page, "changeset-form")
    page.get_by_role("button", name="Create change set").click()

    expect(page.get_by_role("heading", name="Release 3.0 docs")).to_be_visible()
    expect(page.get_by_label("Rollup")).to_have_text("Open")
    page.get_by_role("button", name="Preflight").click()
    expect(page.get_by_text("2 of 2 page(s) can be submitted.")).to_be_visible()
    page.get_by_role("button", name="Submit all").click()
    expect(page.get_by_text("2 of 2 page(s) sent for approval.")).to_be_visible()
    expect(page.get_by_label("Rollup")).to_have_text("In review")
    screenshot(page, "changeset-detail")

    page.goto(base_url + "/changesets")
    row = page.get_by_role("row").filter(has_text="Release 3.0 docs")
    expect(row).to_contain_text("In review")
    expect(row).to_contain_text("2 pages, 0 approved")
    screenshot(page, "changesets")
    assert problems == []
