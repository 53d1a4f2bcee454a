"""email notification preferences and workflow switches

Revision ID: 2cc5ee22d913
Revises: aac09091d896
Create Date: 2026-11-23 11:23:08.858599
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2cc5ee22d913"
down_revision: str | None = "aac09091d896"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing people and workflows start with email on, as new ones do.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "email_notifications",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
            )
        )

    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notify_requests",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "notify_status", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.drop_column("notify_status")
        batch_op.drop_column("notify_requests")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_notifications")
