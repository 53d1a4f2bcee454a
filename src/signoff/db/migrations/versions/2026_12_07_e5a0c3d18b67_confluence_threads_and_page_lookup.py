"""confluence threads and page lookup

`confluence_threads` keeps, per review, the footer comment its submission opened on
the Confluence page, so decisions reply in that thread. `confluence_sites.web_base`
is the site's address for people (`_links.base` of its answers), from which links
to its pages are made. `pages.external_id` gets an index: in a linked space a page
is named by its Confluence id, and every call naming a page looks it up by that.

Revision ID: e5a0c3d18b67
Revises: b4e1f07a2c95
Create Date: 2026-12-07 14:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "e5a0c3d18b67"
down_revision: str | None = "b4e1f07a2c95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confluence_threads",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at", signoff.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_confluence_threads_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_confluence_threads")),
    )
    with op.batch_alter_table("confluence_sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("web_base", sa.String(length=500), nullable=True))
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_index("ix_pages_external_id", ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("ix_pages_external_id")
    with op.batch_alter_table("confluence_sites", schema=None) as batch_op:
        batch_op.drop_column("web_base")
    op.drop_table("confluence_threads")
