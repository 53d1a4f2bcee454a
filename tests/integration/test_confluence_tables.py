"""The Confluence connector's tables migrate down and up again, keeping the pages."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from factories import edit, make_page, make_space, make_user
from migrations import revision_before
from signoff.db import migrate
from signoff.db.models import PageVersion
from signoff.db.session import Database
from signoff.domain.states import Role

CONFLUENCE_REVISION = "7c3e9a41d2f0"
TABLES = {"confluence_sites", "confluence_space_links", "confluence_accounts"}


def test_the_connector_tables_go_down_and_come_back_keeping_every_version(
    db: Database,
) -> None:
    with db.write() as s:
        ann, bob = make_user(s, "ann"), make_user(s, "bob")
        page = make_page(s, make_space(s, admin=ann, members={bob: Role.editor}), bob)
        edit(s, page, bob, "<p>two</p>")
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, CONFLUENCE_REVISION))
    shape = inspect(db.engine)
    assert TABLES.isdisjoint(shape.get_table_names())
    assert "author_account" not in {
        c["name"] for c in shape.get_columns("page_versions")
    }

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    with db.read() as s:
        kept = s.execute(
            select(
                PageVersion.number, PageVersion.body, PageVersion.author_account
            ).order_by(PageVersion.number)
        ).all()
    assert [tuple(row) for row in kept] == [
        (1, "<p>v1</p>", None),
        (2, "<p>two</p>", None),
    ]
