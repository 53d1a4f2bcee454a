"""periodic re-review

A workflow may ask approved pages to be re-confirmed every N days
(`workflows.rereview_days`); each request snapshots it as `rereview_days`, as it
does `valid_for_days`. An approval made under it records when its re-review is due
(`rereview_due_at`), when its owner is to be reminded (`rereview_remind_at`), when
they were (`rereview_reminded_at`) and when the sweeper dealt with the due date
(`rereview_swept_at`: a review opened, or a skip audited). The partial index
`ix_approval_requests_rereview_due_at` holds only requests with a due date, so the
sweeper reads neither other requests nor a table of its own.

Revision ID: e7c1a9d4b258
Revises: c7e2a9d4b118
Create Date: 2026-12-09 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from signoff.db.base import UTCDateTime

revision: str = "e7c1a9d4b258"
down_revision: str | None = "c7e2a9d4b118"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = "rereview_due_at IS NOT NULL"
REQUEST_COLUMNS = (
    "rereview_swept_at",
    "rereview_reminded_at",
    "rereview_remind_at",
    "rereview_due_at",
)


def upgrade() -> None:
    # Plain ADD COLUMNs on both backends: a batch copy of approval_requests would
    # drop and rebuild the analytics triggers and cascade through its foreign keys.
    op.add_column("workflows", sa.Column("rereview_days", sa.Integer(), nullable=True))
    op.add_column(
        "approval_requests", sa.Column("rereview_days", sa.Integer(), nullable=True)
    )
    for column in reversed(REQUEST_COLUMNS):
        op.add_column(
            "approval_requests",
            sa.Column(column, UTCDateTime(timezone=True), nullable=True),
        )
    op.create_index(
        "ix_approval_requests_rereview_due_at",
        "approval_requests",
        ["rereview_due_at"],
        sqlite_where=sa.text(DUE),
        postgresql_where=sa.text(DUE),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_approval_requests_rereview_due_at", table_name="approval_requests"
    )
    for column in (*REQUEST_COLUMNS, "rereview_days"):
        op.drop_column("approval_requests", column)
    op.drop_column("workflows", "rereview_days")
