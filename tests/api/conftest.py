"""An app on a fresh database with a small team, each member holding an API token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import by, make_page, make_space, make_user
from signoff.actions.site import do_set_api_enabled
from signoff.api.app import create_app
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.session import Database
from signoff.domain.states import Origin, Role

from .support import AppClient, Team


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    client = AppClient(create_app(Settings(data_dir=tmp_path, database_url=db_url)))
    yield client
    client.close()


@pytest.fixture
def team(api: AppClient) -> Team:
    db: Database = api.app.state.db
    with db.write() as s:
        alice = make_user(s, "alice", site_admin=True)
        bob, carol, dave = (
            make_user(s, "bob"),
            make_user(s, "carol"),
            make_user(s, "dave"),
        )
        space = make_space(
            s,
            admin=alice,
            members={bob: Role.editor, carol: Role.viewer, dave: Role.viewer},
        )
        pages = [make_page(s, space, bob, title=f"Page {n}") for n in range(7)]
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        team = Team(db, space.id, {u.username: u.id for u in (alice, bob, carol, dave)})
        team.pages = [page.id for page in pages]
    for name in team.users:
        team.tokens[name] = team.token_for(name, *sorted(ALL_SCOPES))
    return team
