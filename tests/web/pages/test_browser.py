"""The page byline in Chromium: sign in, request approval, approve, reject, go stale.

One Chromium and one browser context serve the module; the tests run in order and
share the server's state. Screenshots of the main pages go to `.artifacts/`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from browser import Visit, visit
from factories import make_page, make_space, make_user, make_workflow, step
from live_server import live_server
from oauth.support import password_hash
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Role

pytestmark = pytest.mark.slow


@dataclass
class Scene(Visit):
    policy: str = ""
    guide: str = ""


@pytest.fixture(scope="module")
def scene(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    folder = tmp_path_factory.mktemp("web-browser")
    shutil.copyfile(sqlite_template, folder / "signoff.db")
    app = create_app(
        Settings(
            data_dir=folder / "data", database_url=f"sqlite:///{folder}/signoff.db"
        )
    )
    with live_server(app) as base:
        with app.state.db.write() as session:
            people = {name: make_user(session, name) for name in ("ada", "bob")}
            for person in people.values():
                person.password_hash = password_hash()
            admin = make_user(session, "root")
            space = make_space(
                session,
                "DOCS",
                admin=admin,
                members={people["ada"]: Role.editor, people["bob"]: Role.viewer},
            )
            policy = make_page(session, space, people["ada"], body="<p>Keep it</p>")
            guide = make_page(session, space, people["ada"], title="Guide")
            make_workflow(
                session, space, admin, [step(people["bob"])], space_default=True
            )
            urls = (
                f"/spaces/DOCS/pages/{policy.id}",
                f"/spaces/DOCS/pages/{guide.id}",
            )
        with visit(base) as tab:
            yield Scene(tab.base, tab.page, tab.problems, *urls)


def badge(scene: Scene) -> Any:
    return scene.page.get_by_test_id("status-badge")


def test_an_author_signs_in_and_requests_approval(scene: Scene) -> None:
    from playwright.sync_api import expect

    scene.sign_in_as("ada", "/spaces")
    expect(scene.page.get_by_role("link", name="Approval queue")).to_be_visible()
    scene.shot("spaces")
    scene.page.get_by_role("link", name="DOCS", exact=True).click()
    expect(scene.page.get_by_role("link", name="Policy")).to_be_visible()
    scene.shot("space")
    scene.page.get_by_role("link", name="Policy").click()
    expect(badge(scene)).to_have_text("Draft")
    scene.page.get_by_role("button", name="Request approval").click()
    expect(badge(scene)).to_have_text("In review")
    expect(scene.page.get_by_role("button", name="Approve")).to_have_count(0)
    scene.page.goto(scene.base + scene.guide)
    scene.page.get_by_role("button", name="Request approval").click()
    expect(badge(scene)).to_have_text("In review")
    assert scene.problems == []


def test_an_approver_approves_and_rejects_with_a_comment(scene: Scene) -> None:
    from playwright.sync_api import expect

    scene.sign_in_as("bob", scene.policy)
    scene.shot("page-in-review")
    scene.page.get_by_role("button", name="Approve").click()
    expect(badge(scene)).to_have_text("Approved")
    scene.page.goto(scene.base + scene.guide)
    scene.page.get_by_label("Reason for rejecting").fill("Needs an example")
    scene.page.get_by_role("button", name="Reject").click()
    expect(badge(scene)).to_have_text("Rejected")
    # In the review's progress, and replied in the comment thread.
    decisions = scene.page.locator("ul.decisions")
    expect(decisions.get_by_text("Needs an example")).to_be_visible()
    thread = scene.page.locator("section.comments")
    expect(thread.get_by_text("Needs an example")).to_be_visible()
    assert scene.problems == []


def test_an_edit_turns_the_badge_stale_and_shows_the_diff(scene: Scene) -> None:
    from playwright.sync_api import expect

    scene.sign_in_as("ada", scene.policy)
    scene.page.get_by_role("link", name="Edit").click()
    scene.shot("editor")
    scene.page.get_by_label("Body").fill("<p>Keep it</p><p>New rule</p>")
    scene.page.get_by_role("button", name="Save").click()
    expect(badge(scene)).to_have_text("Stale")
    redline = scene.page.get_by_test_id("redline")
    expect(redline.locator("ins")).to_contain_text("New rule")
    expect(scene.page.get_by_test_id("change-summary")).to_contain_text("1 added")
    scene.shot("page-stale")
    scene.page.set_viewport_size({"width": 390, "height": 844})
    scene.shot("page-stale-narrow")
    assert scene.problems == []
