"""The webqueue world on both backends, plus one change set, for the role matrix."""

from __future__ import annotations

import pytest

from factories import by
from signoff.actions.changesets import do_create_change_set
from signoff.db.models import Space, User
from webaccount.conftest import world
from webqueue.conftest import World

__all__ = ["with_change_set", "world"]


@pytest.fixture
def with_change_set(world: World) -> tuple[World, int]:
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
