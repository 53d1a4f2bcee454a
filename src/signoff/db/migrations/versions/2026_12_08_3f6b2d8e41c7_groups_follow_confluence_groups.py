"""groups follow confluence groups

`confluence_group_follows` links a Signoff group to one Confluence group on one
connected site (held by its id, its name kept for people), with when membership was
last made to match, the last error reading it, and the members whose accounts map
to no user. A table of its own rather than columns on `groups`: most groups follow
nothing, and dropping a site (or the group) drops the link alone.

Revision ID: 3f6b2d8e41c7
Revises: a7d2c4e90b13
Create Date: 2026-12-08 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "3f6b2d8e41c7"
down_revision: str | None = "a7d2c4e90b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confluence_group_follows",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("confluence_group_id", sa.String(length=128), nullable=False),
        sa.Column("confluence_group_name", sa.String(length=255), nullable=False),
        sa.Column(
            "created_at", signoff.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "synced_at", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("unmapped", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_confluence_group_follows_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["confluence_sites.id"],
            name=op.f("fk_confluence_group_follows_site_id_confluence_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_confluence_group_follows")),
    )
    op.create_index(
        op.f("ix_confluence_group_follows_site_id"),
        "confluence_group_follows",
        ["site_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_confluence_group_follows_site_id"),
        table_name="confluence_group_follows",
    )
    op.drop_table("confluence_group_follows")
