"""No page of the app is wider than the viewport, in Debian's Chromium.

Long unbroken words (a 255-character title, a token's, a workflow's, a group's or a
person's name) must wrap or scroll inside their own box at a phone's 390 px and a
desktop's 1360 px, never widen the page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser import Visit, launch_chromium
from factories import by, make_user, step
from live_server import live_server
from oauth.support import password_hash
from signoff.actions.approvals import do_submit_page
from signoff.actions.changesets import do_create_change_set
from signoff.actions.comments import do_post_comment
from signoff.actions.groups import do_add_group_member, do_create_group
from signoff.actions.pages import do_create_page
from signoff.actions.spaces import do_add_member, do_create_space
from signoff.actions.tokens import do_create_token
from signoff.actions.workflows import do_assign_workflow, do_create_workflow
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.session import Database
from signoff.domain.states import Origin, Role, Rule
from signoff.queries.page_refs import public_page_id

pytestmark = pytest.mark.slow

WIDTHS = ((390, 844), (1360, 900))
# The innermost elements reaching past the viewport's right edge, to name the culprit.
CULPRITS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(e => ![...e.children].some(
    c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


def unbroken(length: int, letter: str = "W") -> str:
    """A word with no place to break: what a pasted hash or URL looks like."""
    return letter * length


@dataclass(frozen=True)
class Seeded:
    page_id: str
    change_set_id: int
    workflow_id: int


def seed(db: Database) -> Seeded:
    with db.write() as session:
        root = make_user(session, "root", site_admin=True)
        root.password_hash = password_hash()
        root.display_name = unbroken(200, "R")
        author = make_user(session, "author")
        author.display_name = unbroken(200, "A")
        reviewer = make_user(session, "reviewer")
        admin = by(root)
        space = do_create_space(session, "LONG", unbroken(200, "S"), **admin)
        do_add_member(session, space, root, Role.admin, **by(None, Origin.cli))
        do_add_member(session, space, author, Role.editor, **by(None, Origin.cli))
        do_add_member(session, space, reviewer, Role.viewer, **by(None, Origin.cli))
        group = do_create_group(session, unbroken(100, "g"), **admin)
        do_add_group_member(session, group, root, **admin)
        page = do_create_page(
            session,
            space,
            title=unbroken(255, "T"),
            body=f"<p>{unbroken(400, 'b')}</p>",
            **by(author),
        )
        workflow = do_create_workflow(
            session,
            space,
            name=unbroken(200, "F"),
            steps=[
                step(
                    root,
                    reviewer,
                    groups=[group],
                    rule=Rule.any,
                    name=unbroken(200, "P"),
                )
            ],
            **admin,
        )
        page_id = public_page_id(page)
        do_assign_workflow(
            session, workflow, page_ids=[int(page_id)], space_default=True, **admin
        )
        change_set = do_create_change_set(
            session,
            space,
            title=unbroken(255, "C"),
            summary=unbroken(600, "s"),
            reference_url="https://example.com/" + unbroken(300, "u"),
            page_ids=[int(page_id)],
            **by(author),
        )
        do_submit_page(session, page, **by(author))
        do_post_comment(
            session,
            page,
            body=f"@root {unbroken(300, 'm')}",
            parent_id=None,
            **by(author),
        )
        do_create_token(
            session, root, scopes=["read:page"], name=unbroken(100, "K"), **admin
        )
        return Seeded(page_id, change_set.id, workflow.id)


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, Seeded]]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    seeded = seed(app.state.db)
    with live_server(app) as base_url:
        yield base_url, seeded


def main_pages(seeded: Seeded) -> list[str]:
    page = f"/spaces/LONG/pages/{seeded.page_id}"
    change_set = f"/changesets/{seeded.change_set_id}"
    workflow = f"/spaces/LONG/workflows/{seeded.workflow_id}"
    return [
        "/spaces",
        "/spaces/LONG",
        page,
        page + "/edit",
        page + "/versions/1",
        page + "/compare?from=1&to=1&view=side",
        "/changesets",
        change_set,
        change_set + "/review",
        change_set + "/edit",
        "/queue?tab=all",
        f"/queue?tab=all&workflow={seeded.workflow_id}"
        f"&changeset={seeded.change_set_id}&submitter=author",
        "/inbox",
        "/audit?space=LONG",
        "/analytics/LONG",
        "/account",
        "/spaces/LONG/workflows",
        workflow + "/edit",
        workflow + "/pages",
        "/admin/groups",
        "/spaces/LONG/webhooks",
        "/admin/outbox",
        "/admin/confluence",
    ]


def test_no_page_is_wider_than_a_phone_or_a_desktop(
    site: tuple[str, Seeded],
) -> None:
    from playwright.sync_api import sync_playwright

    base, seeded = site
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            tab = Visit(base, browser.new_page())
            tab.sign_in_as("root", "/spaces")
            too_wide: dict[str, str] = {}
            for path in main_pages(seeded):
                for width, height in WIDTHS:
                    tab.page.set_viewport_size({"width": width, "height": height})
                    response = tab.page.goto(base + path)
                    assert response is not None and response.ok, path
                    scroll = int(
                        tab.page.evaluate("document.documentElement.scrollWidth")
                    )
                    inner = int(tab.page.evaluate("window.innerWidth"))
                    if scroll > inner:
                        culprits = tab.page.evaluate(CULPRITS)
                        too_wide[f"{path} at {width}"] = f"{scroll} px: {culprits}"
        finally:
            browser.close()
    assert too_wide == {}
