"""ad-hoc approvals

`workflows.kind` tells the workflows space admins define (`defined`) from the one-off
definitions ad-hoc requests run under (`adhoc`), which no list, assignment or choice
offers. `spaces.adhoc_approvals` says where a space lets editors ask named people to
approve a page: `off`, `unassigned` (pages no workflow governs) or `any`.

Revision ID: a7d2c4e90b13
Revises: e5a0c3d18b67
Create Date: 2026-12-07 17:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d2c4e90b13"
down_revision: str | None = "e5a0c3d18b67"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "workflows",
        sa.Column(
            "kind", sa.String(length=10), server_default="defined", nullable=False
        ),
    )
    op.add_column(
        "spaces",
        sa.Column(
            "adhoc_approvals",
            sa.String(length=12),
            server_default="unassigned",
            nullable=False,
        ),
    )


def downgrade() -> None:
    # Dropped in place: a batch copy of either table would cascade through the
    # foreign keys that point at it.
    op.drop_column("spaces", "adhoc_approvals")
    op.drop_column("workflows", "kind")
