"""A space with people in every role, pages under review, and signed-in clients.

The world is built through the actions (never by writing rows), on a fresh copy of the
migrated SQLite template; each role gets an httpx client with a session cookie.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

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
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Role
from signoff.web.sessions import SESSION_COOKIE

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
def world(sqlite_template: Path, tmp_path: Path) -> Iterator[World]:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    url = f"sqlite:///{tmp_path / 'signoff.db'}"
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    clock = Clock(later(10))
    app.state.clock = clock
    db: Database = app.state.db
    ids, page_ids = populate(db)
    site = Site(app)
    result = World(site, db, clock, url, ids, page_ids)
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
