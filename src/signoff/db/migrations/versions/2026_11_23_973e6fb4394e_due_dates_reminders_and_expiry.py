"""due dates, reminders and approval expiry

Revision ID: 973e6fb4394e
Revises: eee99df8b00b
Create Date: 2026-11-23 12:05:15.222568
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "973e6fb4394e"
down_revision: str | None = "eee99df8b00b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_for_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "expires_at", signoff.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_approval_requests_expires_at"), ["expires_at"], unique=False
        )

    with op.batch_alter_table("request_steps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "due_at", signoff.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "reminders_sent", sa.Integer(), server_default="0", nullable=False
            )
        )
        batch_op.create_index(
            batch_op.f("ix_request_steps_due_at"), ["due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_steps_due_at"))
        batch_op.drop_column("reminders_sent")
        batch_op.drop_column("due_at")

    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_requests_expires_at"))
        batch_op.drop_column("expires_at")
        batch_op.drop_column("valid_for_days")
