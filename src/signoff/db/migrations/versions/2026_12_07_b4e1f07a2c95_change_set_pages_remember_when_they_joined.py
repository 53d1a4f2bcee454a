"""change set pages remember when they joined

`change_set_pages.joined_at` is when the page was put in the set: a change set
counts the reviews submitted since then (and approvals that still cover the page),
so an old rejection no longer makes a fresh set read `has_rejections`. Pages already
in a set are taken to have joined when the set was created, the earliest moment
they can have.

Revision ID: b4e1f07a2c95
Revises: 7c3e9a41d2f0
Create Date: 2026-12-07 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "b4e1f07a2c95"
down_revision: str | None = "7c3e9a41d2f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added nullable, filled, then made required: a set's rows get its creation time.
    op.add_column(
        "change_set_pages",
        sa.Column(
            "joined_at", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.execute(
        "UPDATE change_set_pages SET joined_at = (SELECT created_at"
        " FROM change_sets WHERE change_sets.id = change_set_pages.change_set_id)"
    )
    with op.batch_alter_table("change_set_pages", schema=None) as batch_op:
        batch_op.alter_column(
            "joined_at",
            existing_type=signoff.db.base.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("change_set_pages", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
