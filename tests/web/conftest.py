"""The web UI's two test worlds, shared by every folder under `tests/web/`.

Both run the real application on a fresh copy of the migrated SQLite database (the
UI's suites test an interface; what the engine does on each backend is tested on both
by the integration and API suites), built through the actions, never by writing rows:

- `web`: a DOCS space with one draft page and one person per role, each with a
  signed-in browser (`Web.browsers`), for the page view, its byline and the editor;
- `world`: a DOCS space with people in every role and 30 pages, 27 of them sent to
  review (approved, rejected, stale and pending among them), and an OPS space of the
  outsider's; `World.browser(role)` opens an httpx client with that role's session.
  `allowed` is that world on a site that lets webhooks reach a loopback receiver;
  `with_change_set` adds one change set of two drafts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from browser import chromium_browser
from conftest import fresh_database_url
from factories import (
    by,
    edit,
    later,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from oauth.support import Browser, Clock, Site, password_hash
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.changesets import do_create_change_set
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import Space, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.web.sessions import SESSION_COOKIE

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


# -- web: one page, one person per role ------------------------------------------

PAGE_ROLES = ("admin", "editor", "viewer", "approver", "outsider")


@dataclass
class Web:
    site: Site
    db: Database
    clock: Clock
    page_id: int
    browsers: dict[str, Browser] = field(default_factory=dict)

    @property
    def page_url(self) -> str:
        return f"/spaces/DOCS/pages/{self.page_id}"

    def post(self, role: str, url: str, **data: str) -> object:
        browser = self.browsers[role]
        token = csrf(browser.get(self.page_url).text)
        return browser.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Web]:
    url = fresh_database_url("sqlite", request, tmp_path)
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    clock = Clock()
    app.state.clock = clock
    db: Database = app.state.db
    secrets: dict[str, str] = {}
    with db.write() as session:
        people = {role: make_user(session, role) for role in PAGE_ROLES}
        space = make_space(
            session,
            "DOCS",
            admin=people["admin"],
            members={
                people["editor"]: Role.editor,
                people["viewer"]: Role.viewer,
                people["approver"]: Role.viewer,
            },
        )
        page = make_page(session, space, people["editor"], body="<p>First text</p>")
        make_workflow(
            session,
            space,
            people["admin"],
            [step(people["approver"])],
            space_default=True,
        )
        for role, person in people.items():
            secrets[role] = do_sign_in(session, person, **by(None, now=clock())).secret
        page_id = page.id
    site = Site(app)
    world = Web(site, db, clock, page_id)
    for role, secret in secrets.items():
        browser = site.browser()
        browser.client.cookies.set(SESSION_COOKIE, secret)
        world.browsers[role] = browser
    world.browsers["anonymous"] = site.browser()
    yield world
    site.close()
    db.dispose()


# -- world: pages in every state, people in every role ---------------------------

ROLES = ("admin", "editor", "approver", "viewer", "outsider")
PAGES = 30
SUBMITTED = 27  # pages 0..26 go to review; 27..29 stay drafts


@dataclass
class World:
    site: Site
    db: Database
    clock: Clock
    url: str
    ids: dict[str, int] = field(default_factory=dict)
    page_ids: list[int] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)

    def browser(self, role: str) -> Browser:
        browser = self.site.browser()
        browser.client.cookies.set(SESSION_COOKIE, self.secrets[role])
        return browser


def populate(db: Database) -> tuple[dict[str, int], list[int]]:
    with db.write() as session:
        people = {role: make_user(session, role) for role in ROLES}
        for person in people.values():
            person.password_hash = password_hash()
        space = make_space(
            session,
            "DOCS",
            admin=people["admin"],
            members={
                people["editor"]: Role.editor,
                people["approver"]: Role.editor,
                people["viewer"]: Role.viewer,
            },
        )
        make_space(session, "OPS", admin=people["outsider"])
        pages = [
            make_page(session, space, people["editor"], title=f"Guide {n:02d}")
            for n in range(PAGES)
        ]
        make_workflow(
            session,
            space,
            people["admin"],
            [step(people["approver"])],
            space_default=True,
        )
        for page in pages[:SUBMITTED]:
            do_submit_page(session, page, **by(people["editor"], now=later(2)))
        approver = people["approver"]
        for index, kind in (
            (0, DecisionKind.approve),
            (1, DecisionKind.reject),
            (2, DecisionKind.approve),
        ):
            do_record_decision(
                session,
                pages[index],
                kind,
                version=1,
                comment="Looks good" if kind is DecisionKind.approve else "No",
                **by(approver, now=later(3)),
            )
        edit(session, pages[2], people["editor"], "<p>v2 changed</p>", minutes=5)
        session.flush()
        return {role: person.id for role, person in people.items()}, [
            page.id for page in pages
        ]


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    clock = Clock(later(10))
    app.state.clock = clock
    db: Database = app.state.db
    ids, page_ids = populate(db)
    site = Site(app)
    result = World(site, db, clock, sqlite_url, ids, page_ids)
    with db.write() as session:
        for role, user_id in ids.items():
            user = session.get(User, user_id)
            assert user is not None
            result.secrets[role] = do_sign_in(
                session, user, **by(None, now=clock())
            ).secret
    try:
        yield result
    finally:
        site.close()


@pytest.fixture
def allowed(world: World) -> World:
    """The world on a site whose webhooks may reach a receiver on loopback."""
    app = world.site.app
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_allow": "127.0.0.1:8099"}
    )
    return world


@pytest.fixture
def with_change_set(world: World) -> tuple[World, int]:
    """The world with the editor's change set "Release notes" of two drafts."""
    with world.db.write() as session:
        editor = session.get(User, world.ids["editor"])
        space = session.query(Space).filter_by(key="DOCS").one()
        assert editor is not None
        change_set = do_create_change_set(
            session,
            space,
            title="Release notes",
            summary="",
            reference_url=None,
            page_ids=world.page_ids[27:29],
            **by(editor),
        )
        change_set_id = change_set.id
    return world, change_set_id


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, for the browser tests of every screen."""
    with chromium_browser() as browser:
        yield browser
