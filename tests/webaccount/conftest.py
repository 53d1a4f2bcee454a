"""The webqueue world (a DOCS space with every role) on SQLite (`sqlite_url`), for the
account and audit pages; each role gets an httpx client with a session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import by, later
from oauth.support import Clock, Site
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import User
from signoff.db.session import Database
from webqueue.conftest import World, populate


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
