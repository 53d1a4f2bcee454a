"""reviews remember what changed

A review stores, when it is opened, which version it is read against
(`change_from`: the approved version, else the one before) and the size of the
change (`change_summary`, the sentence readers see, and `change_words`), so the
queue, the review thread and emails say how big a change is without comparing the
two bodies again. Reviews opened before this stay without one.

Revision ID: c2e8f4a61d05
Revises: 3f6b2d8e41c7
Create Date: 2026-12-07 18:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2e8f4a61d05"
down_revision: str | None = "3f6b2d8e41c7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("change_from", "change_summary", "change_words")


def upgrade() -> None:
    op.add_column(
        "approval_requests", sa.Column("change_from", sa.Integer(), nullable=True)
    )
    op.add_column(
        "approval_requests",
        sa.Column("change_summary", sa.String(length=200), nullable=True),
    )
    op.add_column(
        "approval_requests", sa.Column("change_words", sa.Integer(), nullable=True)
    )


def downgrade() -> None:
    # Dropped in place: a batch copy of approval_requests would cascade through
    # the foreign keys that point at it.
    for column in reversed(COLUMNS):
        op.drop_column("approval_requests", column)
