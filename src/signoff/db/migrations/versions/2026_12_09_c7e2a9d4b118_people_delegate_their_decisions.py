"""people delegate their decisions

`delegations` holds a person's "while I am away, this person decides for me": the
person away (`user_id`), their `delegate_id`, a UTC range `[starts_at, ends_at)`, who
set it and when, and when it was revoked (`actions.delegations`). A decision a
delegate made records the seat holder it was made for in `decisions.on_behalf_of`
(null for a decision made in one's own seat).

Revision ID: c7e2a9d4b118
Revises: a44a815bbcd8
Create Date: 2026-12-09 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "c7e2a9d4b118"
down_revision: str | None = "a44a815bbcd8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_decisions_on_behalf_of_users"


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, signoff.db.base.UTCDateTime(timezone=True), nullable=nullable
    )


def _person(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [name], ["users.id"], name=op.f(f"fk_delegations_{name}_users")
    )


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        _person("user_id"),
        _person("delegate_id"),
        _person("created_by"),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_delegations_range")),
        sa.CheckConstraint(
            "user_id <> delegate_id", name=op.f("ck_delegations_not_self")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    op.create_index(
        op.f("ix_delegations_user_id"), "delegations", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_delegations_delegate_id"),
        "delegations",
        ["delegate_id"],
        unique=False,
    )
    # A plain ADD COLUMN on both backends: a batch copy of decisions would cascade
    # through its foreign keys.
    op.add_column(
        "decisions",
        sa.Column(
            "on_behalf_of",
            sa.Integer(),
            sa.ForeignKey("users.id", name=FOREIGN_KEY),
            nullable=True,
        ),
        # SQLite takes a foreign key only inside ADD COLUMN.
        inline_references=op.get_bind().dialect.name == "sqlite",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FOREIGN_KEY, "decisions", type_="foreignkey")
    op.drop_column("decisions", "on_behalf_of")
    op.drop_index(op.f("ix_delegations_delegate_id"), table_name="delegations")
    op.drop_index(op.f("ix_delegations_user_id"), table_name="delegations")
    op.drop_table("delegations")
