"""A change set under review, for the review page's tests.

Three pages in the set's order ("Install guide", "Upgrade notes", "FAQ"), each
approved at version 1, edited and sent to review again at version 2, so each review
reads a change; then "Glossary", a long draft with one version and nothing to compare.
The approver holds the workflow's only seat; the editor wrote and submitted every
page. Built through the actions on a fresh SQLite copy of the migrated schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from conftest import fresh_database_url
from factories import (
    by,
    edit,
    later,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from oauth.support import Browser, Clock, Site, password_hash
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import Page, Space, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.web.sessions import SESSION_COOKIE

ROLES = ("admin", "editor", "approver", "viewer", "outsider")
REVIEWED = {
    "Install guide": (
        "<p>Run the installer.</p><p>Restart the service.</p>",
        "<p>Run the new installer.</p><p>Restart the service.</p>",
    ),
    "Upgrade notes": (
        "<p>Back up the database.</p>",
        "<p>Back up the database.</p><p>Read the release notes first.</p>",
    ),
    "FAQ": (
        "<p>Where are the logs?</p><p>In the data folder.</p>",
        "<p>Where are the logs?</p>",
    ),
}
GLOSSARY = "".join(f"<p>Term {n}: what it means in these docs.</p>" for n in range(80))


@dataclass
class Review:
    site: Site
    db: Database
    change_set_id: int
    page_ids: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"/changesets/{self.change_set_id}/review"

    def browser(self, role: str) -> Browser:
        browser = self.site.browser()
        browser.client.cookies.set(SESSION_COOKIE, self.secrets[role])
        return browser


def build(
    db: Database, *, with_draft: bool = True
) -> tuple[int, dict[str, int], dict[str, int]]:
    """The change set's id, its pages' ids by title, and the people's ids by role;
    without the draft "Glossary" when `with_draft` is False."""
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
                people["approver"]: Role.viewer,
                people["viewer"]: Role.viewer,
            },
        )
        make_space(session, "OPS", admin=people["outsider"])
        make_workflow(
            session,
            space,
            people["admin"],
            [step(people["approver"])],
            space_default=True,
        )
        pages = [
            _reviewed(session, space, people, title, bodies)
            for title, bodies in REVIEWED.items()
        ]
        if with_draft:
            pages.append(
                make_page(session, space, people["editor"], "Glossary", GLOSSARY)
            )
        change_set = make_change_set(
            session, space, people["editor"], pages, title="Release 3.0 docs"
        )
        return (
            change_set.id,
            {page.title: page.id for page in pages},
            {role: person.id for role, person in people.items()},
        )


def _reviewed(
    session: Session,
    space: Space,
    people: dict[str, User],
    title: str,
    bodies: tuple[str, str],
) -> Page:
    """A page approved at version 1, then in review again at version 2."""
    page = make_page(session, space, people["editor"], title, bodies[0])
    do_submit_page(session, page, **by(people["editor"], now=later(1)))
    do_record_decision(
        session,
        page,
        DecisionKind.approve,
        version=1,
        comment="",
        **by(people["approver"], now=later(2)),
    )
    edit(session, page, people["editor"], bodies[1], minutes=3)
    do_submit_page(session, page, **by(people["editor"], now=later(4)))
    return page


def open_review(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Review]:
    """The review world served by the real app on `backend`, everyone signed in;
    the fixtures of the review page, the whole-set decision and the queue's bulk
    decision share it."""
    url = fresh_database_url(backend, request, tmp_path)
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    clock = Clock(later(10))
    app.state.clock = clock
    db: Database = app.state.db
    change_set_id, page_ids, people = build(db)
    world = Review(Site(app), db, change_set_id, page_ids)
    with db.write() as session:
        for role, user_id in people.items():
            user = session.get_one(User, user_id)
            world.secrets[role] = do_sign_in(
                session, user, **by(None, now=clock())
            ).secret
    try:
        yield world
    finally:
        world.site.close()
        db.dispose()


@pytest.fixture
def review(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Review]:
    yield from open_review("sqlite", request, tmp_path)
