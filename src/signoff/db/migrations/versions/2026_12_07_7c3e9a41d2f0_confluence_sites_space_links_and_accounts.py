"""confluence sites, space links and accounts

The Confluence connector's own tables: the sites Signoff calls (their credential
sealed, their rate-limit hold and health), the Confluence spaces linked to Signoff
spaces (with the polling watermark), and which Signoff user each Atlassian account
is. `page_versions.author_account` keeps the author as the page's source names them.

Revision ID: 7c3e9a41d2f0
Revises: 5d1e0c7a9b42
Create Date: 2026-12-07 12:31:24.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "7c3e9a41d2f0"
down_revision: str | None = "5d1e0c7a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confluence_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("cloud_id", sa.String(length=64), nullable=True),
        sa.Column("auth", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column(
            "created_at", signoff.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "hold_until", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_ok_at", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "failing_since", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_confluence_sites_created_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confluence_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_confluence_sites_name")),
    )
    op.create_table(
        "confluence_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["confluence_sites.id"],
            name=op.f("fk_confluence_accounts_site_id_confluence_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_confluence_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confluence_accounts")),
        sa.UniqueConstraint(
            "site_id",
            "account_id",
            name=op.f("uq_confluence_accounts_site_id_account_id"),
        ),
        sa.UniqueConstraint(
            "site_id", "user_id", name=op.f("uq_confluence_accounts_site_id_user_id")
        ),
    )
    op.create_table(
        "confluence_space_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("confluence_space_id", sa.String(length=40), nullable=False),
        sa.Column("confluence_space_key", sa.String(length=255), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column(
            "watermark", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_pass_at", signoff.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", signoff.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["confluence_sites.id"],
            name=op.f("fk_confluence_space_links_site_id_confluence_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_confluence_space_links_space_id_spaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confluence_space_links")),
        sa.UniqueConstraint(
            "site_id",
            "confluence_space_id",
            name=op.f("uq_confluence_space_links_site_id_confluence_space_id"),
        ),
        sa.UniqueConstraint(
            "space_id", name=op.f("uq_confluence_space_links_space_id")
        ),
    )
    # A plain ADD COLUMN on both backends: no table copy, so no trigger of
    # `page_versions` is touched.
    op.add_column(
        "page_versions",
        sa.Column("author_account", sa.String(length=128), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("page_versions", "author_account")

    op.drop_table("confluence_space_links")
    op.drop_table("confluence_accounts")
    op.drop_table("confluence_sites")
