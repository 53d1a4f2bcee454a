"""Row locks for actions that read, decide and then write.

PostgreSQL: `SELECT ... FOR UPDATE` and a refreshed copy, so two transactions deciding
on one page run one after the other and the second sees the first's writes.

SQLite: a write transaction begins with `BEGIN IMMEDIATE` (see `db/session.py`), which
takes the database's only write lock before its first read, and every write transaction
has a session of its own (`Database.write`). A copy already in the session's identity
map was therefore read under the lock and is current; reading it again would only cost
a statement per action.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signoff.db.models import Page


def lock_page(session: Session, page_id: int) -> Page | None:
    """The page, locked until the transaction ends; None when it does not exist."""
    if session.get_bind().dialect.name == "sqlite":
        return session.get(Page, page_id)
    return session.get(Page, page_id, with_for_update=True, populate_existing=True)
