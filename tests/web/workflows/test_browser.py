"""Workflows in Chromium: a space admin defines a two-step workflow in the UI and makes
it the default; an author requests approval; two approvers finish it, step by step.

The tests of this module run in order and share one server and one browser.
Screenshots of the workflow pages go to `.artifacts/` at desktop and phone widths.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser import Visit, visit
from factories import make_page, make_space, make_user
from live_server import live_server
from oauth.support import password_hash
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.states import Role

pytestmark = pytest.mark.slow


@dataclass
class Scene(Visit):
    handbook: str = ""


@pytest.fixture(scope="module")
def scene(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    folder = tmp_path_factory.mktemp("workflows-browser")
    shutil.copyfile(sqlite_template, folder / "signoff.db")
    app = create_app(
        Settings(
            data_dir=folder / "data", database_url=f"sqlite:///{folder}/signoff.db"
        )
    )
    with live_server(app) as base:
        with app.state.db.write() as session:
            people = {
                name: make_user(session, name) for name in ("root", "ada", "bob", "cy")
            }
            for person in people.values():
                person.password_hash = password_hash()
            space = make_space(
                session,
                "DOCS",
                admin=people["root"],
                members={
                    people["ada"]: Role.editor,
                    people["bob"]: Role.viewer,
                    people["cy"]: Role.viewer,
                },
            )
            handbook = make_page(session, space, people["ada"], title="Handbook")
            url = f"/spaces/DOCS/pages/{handbook.id}"
        with visit(base) as tab:
            yield Scene(tab.base, tab.page, tab.problems, handbook=url)


def test_an_admin_defines_a_two_step_workflow(scene: Scene) -> None:
    from playwright.sync_api import expect

    page = scene.page
    scene.sign_in_as("root", "/spaces/DOCS")
    page.get_by_role("link", name="Workflows").click()
    expect(page.get_by_text("This space has no workflows yet.")).to_be_visible()
    page.get_by_role("link", name="New workflow").click()
    page.get_by_label("Name", exact=True).fill("Two-step review")
    page.get_by_label("Step 1 name").fill("Editorial")
    page.get_by_role("group", name="Step 1 approvers").get_by_label("Bob (bob)").check()
    page.get_by_label("Step 1 rule").select_option("all")
    page.get_by_role("button", name="Add a step").click()
    # The form came back with a second step and what was typed kept.
    expect(page.get_by_label("Step 1 name")).to_have_value("Editorial")
    page.get_by_label("Step 2 name").fill("Compliance")
    page.get_by_role("group", name="Step 2 approvers").get_by_label("Cy (cy)").check()
    page.get_by_label("An approval goes stale on").select_option("version")
    scene.shots("workflow-form")
    page.get_by_role("button", name="Create workflow").click()
    expect(page.get_by_role("status")).to_have_text("Workflow created.")
    row = page.get_by_role("row").filter(has_text="Two-step review")
    expect(row).to_contain_text("Editorial (all must approve): Bob (bob)")
    expect(row).to_contain_text("Compliance (all must approve): Cy (cy)")
    expect(row).to_contain_text("Stale on any new version")
    page.get_by_role("button", name="Make Two-step review the space default").click()
    expect(page.get_by_role("status")).to_contain_text("default workflow")
    expect(row).to_contain_text("Space default")
    scene.shots("workflows")
    assert scene.problems == []


def test_a_bad_definition_is_explained_in_the_form(scene: Scene) -> None:
    from playwright.sync_api import expect

    page = scene.page
    page.goto(scene.base + "/spaces/DOCS/workflows/new")
    page.get_by_label("Name", exact=True).fill("Quorum too big")
    page.get_by_label("Step 1 name").fill("Board")
    page.get_by_role("group", name="Step 1 approvers").get_by_label("Bob (bob)").check()
    page.get_by_label("Step 1 rule").select_option("quorum")
    page.get_by_label("Step 1 quorum (with the quorum rule)").fill("2")
    page.get_by_role("button", name="Create workflow").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Step 1: quorum is larger than the number of approvers named."
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("Quorum too big")
    # The refused form is answered with 400, which the console reports; nothing else.
    assert len(scene.problems) == 1 and "400" in scene.problems[0]
    scene.problems.clear()


def test_a_two_step_review_finishes_after_both_steps(scene: Scene) -> None:
    from playwright.sync_api import expect

    page = scene.page
    badge = page.get_by_test_id("status-badge")
    scene.sign_in_as("ada", scene.handbook)
    page.get_by_role("button", name="Request approval").click()
    expect(badge).to_have_text("In review")

    scene.sign_in_as("bob", "/queue")
    page.get_by_role("link", name="Handbook", exact=True).click()
    page.get_by_role("button", name="Approve").click()
    # Step 1 is done; the review waits for the second step.
    expect(badge).to_have_text("In review")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    scene.shots("workflow-step-one-done")

    scene.sign_in_as("cy", "/queue")
    page.get_by_role("link", name="Handbook", exact=True).click()
    page.get_by_role("button", name="Approve").click()
    expect(badge).to_have_text("Approved")
    assert scene.problems == []


def test_the_admin_resets_the_approval_from_the_space_page(scene: Scene) -> None:
    from playwright.sync_api import expect

    page = scene.page
    scene.sign_in_as("root", "/spaces/DOCS")
    row = page.get_by_role("row").filter(has_text="Handbook")
    expect(row).to_contain_text("Approved")
    row.get_by_role("button", name="Reset approval of Handbook").click()
    expect(page.get_by_role("row").filter(has_text="Handbook")).to_contain_text("Draft")
    assert scene.problems == []
