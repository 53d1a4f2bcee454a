"""pages remember the approved version

`pages.approved_version` is the version the page's standing approval covers (its
request's `page_version`), kept beside `approved_request_id`. The queue's `stale`
count needs only the pages that moved past that version, and the partial index
`ix_pages_moved_since_approval` holds those alone, so the count no longer reads every
approved review of the space.

Revision ID: 5d1e0c7a9b42
Revises: c8b48ab53227
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e0c7a9b42"
down_revision: str | None = "c8b48ab53227"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED_SINCE_APPROVAL = "current_version > approved_version"


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: no table copy, so no trigger or foreign
    # key of `pages` is touched.
    op.add_column("pages", sa.Column("approved_version", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE pages SET approved_version = (SELECT page_version"
        " FROM approval_requests AS approved"
        " WHERE approved.id = pages.approved_request_id)"
        " WHERE approved_request_id IS NOT NULL"
    )
    op.create_index(
        "ix_pages_moved_since_approval",
        "pages",
        ["space_id"],
        sqlite_where=sa.text(MOVED_SINCE_APPROVAL),
        postgresql_where=sa.text(MOVED_SINCE_APPROVAL),
    )


def downgrade() -> None:
    op.drop_index("ix_pages_moved_since_approval", table_name="pages")
    # Not a batch copy: SQLite (3.35 and later) drops a column in place, where a copy
    # of `pages` would have to drop the table its foreign keys cascade from.
    op.drop_column("pages", "approved_version")
