"""reviews can be overridden

A space admin may force a pending review to approved or rejected with a reason
(`actions.overrides`). `workflows.allow_override` says whether a workflow permits it
(true unless turned off) and each request snapshots it as `allow_override`, as it
does `allow_self_approval`; existing rows take true. A request records who overrode
it (`overridden_by`) and why (`override_reason`); the partial index
`ix_approval_requests_space_overridden` holds only overridden requests, so
analytics count them per range without reading every completed request.

Revision ID: d41f7a2c9e63
Revises: b5e1d7c3a920
Create Date: 2026-12-09 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d41f7a2c9e63"
down_revision: str | None = "b5e1d7c3a920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OVERRIDDEN = "overridden_by IS NOT NULL"
FOREIGN_KEY = "fk_approval_requests_overridden_by_users"


def upgrade() -> None:
    # Plain ADD COLUMNs on both backends: a batch copy of approval_requests would
    # drop and rebuild the analytics triggers and cascade through its foreign keys.
    op.add_column(
        "workflows",
        sa.Column(
            "allow_override", sa.Boolean(), server_default=sa.true(), nullable=False
        ),
    )
    op.add_column(
        "approval_requests",
        sa.Column(
            "allow_override", sa.Boolean(), server_default=sa.true(), nullable=False
        ),
    )
    op.add_column(
        "approval_requests",
        sa.Column(
            "overridden_by",
            sa.Integer(),
            sa.ForeignKey("users.id", name=FOREIGN_KEY),
            nullable=True,
        ),
        # SQLite takes a foreign key only inside ADD COLUMN, not as a constraint
        # added afterwards.
        inline_references=op.get_bind().dialect.name == "sqlite",
    )
    op.add_column(
        "approval_requests", sa.Column("override_reason", sa.Text(), nullable=True)
    )
    op.create_index(
        "ix_approval_requests_space_overridden",
        "approval_requests",
        ["space_id", "completed_at"],
        sqlite_where=sa.text(OVERRIDDEN),
        postgresql_where=sa.text(OVERRIDDEN),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_approval_requests_space_overridden", table_name="approval_requests"
    )
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FOREIGN_KEY, "approval_requests", type_="foreignkey")
    # Dropped in place (SQLite 3.35 and later drops a column without a copy).
    for column in ("override_reason", "overridden_by", "allow_override"):
        op.drop_column("approval_requests", column)
    op.drop_column("workflows", "allow_override")
