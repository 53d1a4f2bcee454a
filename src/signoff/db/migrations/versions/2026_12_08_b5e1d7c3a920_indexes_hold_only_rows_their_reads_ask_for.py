"""indexes hold only the rows their reads ask for

Six indexes become partial, each over the rows whose column is set, because every
read that uses them names a value of that column (`= x`, `IN (...)`, a range), which
implies it is not null on both SQLite and PostgreSQL:

- `ix_approval_requests_change_set_id`: requests in a change set (the rollup);
- `ix_approval_requests_space_completed`: finished requests (analytics' ranges);
- `ix_approval_requests_expires_at`: requests that lapse (the sweeper);
- `ix_audit_events_change_set_id_id`: a change set's events (its trail);
- `ix_request_steps_due_at`: steps with a due date (the reminders);
- `ix_request_step_seats_user_step` and `ix_request_step_seats_group_step`: a seat
  names a user or a group, never both, so each seat is in one of the two.

A submission of a page outside a change set, with no due dates and no expiry, then
writes to none of them; each of its rows lands in fewer pages of the write-ahead log.

Revision ID: b5e1d7c3a920
Revises: c2e8f4a61d05
Create Date: 2026-12-08 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5e1d7c3a920"
down_revision: str | None = "c2e8f4a61d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns, the column that must be set)
PARTIAL = (
    (
        "ix_approval_requests_change_set_id",
        "approval_requests",
        ["change_set_id"],
        "change_set_id",
    ),
    (
        "ix_approval_requests_space_completed",
        "approval_requests",
        ["space_id", "completed_at"],
        "completed_at",
    ),
    (
        "ix_approval_requests_expires_at",
        "approval_requests",
        ["expires_at"],
        "expires_at",
    ),
    (
        "ix_audit_events_change_set_id_id",
        "audit_events",
        ["change_set_id", "id"],
        "change_set_id",
    ),
    ("ix_request_steps_due_at", "request_steps", ["due_at"], "due_at"),
    (
        "ix_request_step_seats_user_step",
        "request_step_seats",
        ["user_id", "step_id"],
        "user_id",
    ),
    (
        "ix_request_step_seats_group_step",
        "request_step_seats",
        ["group_id", "step_id"],
        "group_id",
    ),
)


def upgrade() -> None:
    for name, table, columns, column in PARTIAL:
        op.drop_index(name, table_name=table)
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name, table, columns, sqlite_where=where, postgresql_where=where
        )


def downgrade() -> None:
    for name, table, columns, _ in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
