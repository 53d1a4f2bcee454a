"""A space with one person per role, each with a signed-in browser (SQLite)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import fresh_database_url
from factories import by, make_page, make_space, make_user, make_workflow, step
from oauth.support import Browser, Clock, Site
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.session import Database
from signoff.domain.states import Role
from signoff.web.sessions import SESSION_COOKIE

ROLES = ("admin", "editor", "viewer", "approver", "outsider")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


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
        people = {role: make_user(session, role) for role in ROLES}
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
