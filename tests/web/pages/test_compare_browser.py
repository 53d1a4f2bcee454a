"""What changed, in Chromium: an approver opens a page in review and sees the words
inserted and deleted marked in the rendered page (not markup), switches views, and
compares two old versions from the history. Screenshots go to `.artifacts/`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser import Visit, visit
from factories import by, edit, make_page, make_space, make_user, make_workflow, step
from live_server import live_server
from oauth.support import password_hash
from signoff.actions.approvals import do_submit_page
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Role

pytestmark = pytest.mark.slow

BODIES = (
    "<h1>Travel</h1><p>Book trains through the portal.</p>"
    "<p>Keep every receipt.</p><ul><li>Hotels</li><li>Meals</li></ul>",
    "<h1>Travel</h1><p>Book trains and flights through the portal.</p>"
    "<p>Keep every receipt.</p><ul><li>Meals</li><li>Hotels</li></ul>",
    "<h1>Travel</h1><p>Book trains and flights through the new portal.</p>"
    "<p>Keep every receipt for seven years.</p><ul><li>Meals</li><li>Hotels</li>"
    "</ul><p>Ask finance before booking business class.</p>",
)


@dataclass
class Scene(Visit):
    policy: str = ""


@pytest.fixture(scope="module")
def scene(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    folder = tmp_path_factory.mktemp("web-compare")
    shutil.copyfile(sqlite_template, folder / "signoff.db")
    app = create_app(
        Settings(
            data_dir=folder / "data", database_url=f"sqlite:///{folder}/signoff.db"
        )
    )
    with live_server(app) as base:
        with app.state.db.write() as session:
            ada, bob = make_user(session, "ada"), make_user(session, "bob")
            for person in (ada, bob):
                person.password_hash = password_hash()
            admin = make_user(session, "root")
            space = make_space(
                session,
                "DOCS",
                admin=admin,
                members={ada: Role.editor, bob: Role.viewer},
            )
            page = make_page(session, space, ada, title="Travel policy", body=BODIES[0])
            make_workflow(session, space, admin, [step(bob)], space_default=True)
            for minutes, body in enumerate(BODIES[1:], start=1):
                edit(session, page, ada, body, minutes=minutes)
            do_submit_page(session, page, **by(ada))
            url = f"/spaces/DOCS/pages/{page.id}"
        with visit(base) as tab:
            yield Scene(tab.base, tab.page, tab.problems, url)


def test_the_approver_sees_the_words_that_changed_in_the_rendered_page(
    scene: Scene,
) -> None:
    from playwright.sync_api import expect

    scene.sign_in_as("bob", scene.policy)
    summary = scene.page.get_by_test_id("change-summary")
    expect(summary).to_contain_text("version 2 → version 3")
    redline = scene.page.get_by_test_id("redline")
    # Words, not markup: the inserted words are text inside <ins>, in a paragraph.
    expect(redline.locator("p ins").first).to_have_text("new")
    expect(redline.locator("del")).to_have_text(["receipt."])
    expect(redline).not_to_contain_text("<p>")
    added = redline.locator("ins.redline-added")
    expect(added).to_contain_text("Ask finance before booking business class.")
    # The label says it without colour.
    expect(added.locator(".redline-label")).to_have_text("Added")
    scene.shot("page-review-changes-1360")
    scene.page.set_viewport_size({"width": 390, "height": 844})
    scene.shot("page-review-changes-390")
    scene.page.set_viewport_size({"width": 1360, "height": 900})
    assert scene.problems == []


def test_side_by_side_and_the_storage_source_are_a_click_away(scene: Scene) -> None:
    from playwright.sync_api import expect

    scene.page.goto(scene.base + scene.policy)
    scene.page.get_by_role("link", name="Side by side").click()
    columns = scene.page.locator(".side-by-side > article")
    expect(columns).to_have_count(2)
    expect(columns.nth(1).locator("ins").first).to_have_text("new")
    scene.shot("page-review-side-by-side-1360")
    scene.page.get_by_role("link", name="Storage source").click()
    expect(scene.page.locator("table.diff")).to_contain_text("<p>")
    scene.page.get_by_role("link", name="Whole page").click()
    expect(scene.page.locator("article.page-body")).to_contain_text(
        "Ask finance before booking business class."
    )
    assert scene.problems == []


def test_two_old_versions_compare_from_the_history(scene: Scene) -> None:
    from playwright.sync_api import expect

    scene.page.goto(scene.base + scene.policy)
    scene.page.get_by_label("Compare version").select_option("1")
    scene.page.get_by_label("with version").select_option("2")
    scene.page.get_by_role("button", name="Compare").click()
    expect(scene.page.get_by_role("heading", level=1).first).to_contain_text(
        "version 1 against version 2"
    )
    redline = scene.page.get_by_test_id("redline")
    expect(redline.locator("ins").first).to_have_text("and flights")
    # The list reorder reads as a move, not a removal and an addition.
    expect(redline.locator("li .redline-moved")).to_have_count(1)
    expect(redline.locator("li.redline-moved-from")).to_have_count(1)
    expect(scene.page.get_by_test_id("change-summary")).to_contain_text("1 moved")
    scene.shot("page-compare-1360")
    scene.page.goto(scene.base + scene.policy + "/versions/1")
    expect(scene.page.get_by_test_id("version-badge")).to_have_text("Version 1 of 3")
    expect(scene.page.locator("article.page-body")).to_contain_text(
        "Book trains through the portal."
    )
    assert scene.problems == []
