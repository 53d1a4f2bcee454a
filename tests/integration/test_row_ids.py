"""New rows numbered before the flush, as SQLite would have numbered them."""

from __future__ import annotations

from sqlalchemy import select

from factories import AT, make_user
from signoff.db.models import Group, User
from signoff.db.row_ids import number_new_rows
from signoff.db.session import Database


def test_new_rows_get_the_next_ids_in_the_order_they_were_added(db: Database) -> None:
    with db.write() as s:
        first = make_user(s, "ann")
        later = [
            User(
                username=f"u{n}",
                account_id=f"acct-{n}",
                display_name=f"U{n}",
                created_at=AT,
            )
            for n in range(3)
        ]
        s.add_all(later)
        group = Group(name="legal", created_at=AT)
        s.add(group)

        number_new_rows(s)

        if s.get_bind().dialect.name == "sqlite":
            assert [user.id for user in later] == [
                first.id + 1,
                first.id + 2,
                first.id + 3,
            ]
            assert group.id is not None
        else:  # PostgreSQL keeps its sequences and batches RETURNING itself
            assert [user.id for user in later] == [None, None, None]
        s.flush()
        stored = s.scalars(select(User.username).order_by(User.id)).all()
        assert stored == ["ann", "u0", "u1", "u2"]


def test_rows_that_have_an_id_keep_it(db: Database) -> None:
    with db.write() as s:
        chosen = User(
            id=500,
            username="fixed",
            account_id="acct-fixed",
            display_name="F",
            created_at=AT,
        )
        s.add(chosen)
        number_new_rows(s)
        assert chosen.id == 500
