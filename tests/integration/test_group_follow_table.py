"""The table that lets a group follow a Confluence group migrates down and up again,
keeping the groups and their members."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from factories import make_user
from migrations import revision_before
from signoff.db import migrate
from signoff.db.models import Group, GroupMember
from signoff.db.session import Database

FOLLOW_REVISION = "3f6b2d8e41c7"


def test_the_follow_table_goes_down_and_comes_back_keeping_groups_and_members(
    db: Database,
) -> None:
    with db.write() as s:
        ann = make_user(s, "ann")
        group = Group(name="legal", created_at=ann.created_at)
        s.add(group)
        s.flush()
        s.add(GroupMember(group_id=group.id, user_id=ann.id))
    config = migrate.alembic_config(db.engine)
    command.downgrade(config, revision_before(config, FOLLOW_REVISION))
    assert "confluence_group_follows" not in inspect(db.engine).get_table_names()

    migrate.upgrade(db.engine)

    assert migrate.is_up_to_date(db.engine)
    assert "confluence_group_follows" in inspect(db.engine).get_table_names()
    with db.read() as s:
        kept = s.execute(
            select(Group.name, GroupMember.user_id).join(
                GroupMember, GroupMember.group_id == Group.id
            )
        ).all()
    assert [tuple(row) for row in kept] == [("legal", ann.id)]
