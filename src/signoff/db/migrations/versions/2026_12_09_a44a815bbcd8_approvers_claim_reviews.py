"""approvers claim reviews

`review_claims` holds an approver's "I'm reviewing this" on one step of a review,
until it expires (`actions.claims`). The step is the key, so a step has one claim at
most; a claim whose step is no longer current simply stops counting, and goes with
its request.

Revision ID: a44a815bbcd8
Revises: d41f7a2c9e63
Create Date: 2026-12-09 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import signoff.db.base

revision: str = "a44a815bbcd8"
down_revision: str | None = "d41f7a2c9e63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_claims",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "claimed_at", signoff.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", signoff.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_review_claims_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["request_steps.id"],
            name=op.f("fk_review_claims_step_id_request_steps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_review_claims_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_review_claims")),
    )
    op.create_index(
        op.f("ix_review_claims_request_id"),
        "review_claims",
        ["request_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_review_claims_request_id"), table_name="review_claims")
    op.drop_table("review_claims")
