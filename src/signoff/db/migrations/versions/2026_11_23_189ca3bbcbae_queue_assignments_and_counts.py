"""queue assignments and counts

The queue's "waiting for me" list reads `review_assignments` (kept by the actions), and
its tab counts read `assignment_counts` and `space_request_counts`, which triggers keep
in the same transaction as the rows they count (on PostgreSQL at its commit), so no
code path can forget them.
Upgrading an existing database fills all three from the rows already there.

Revision ID: 189ca3bbcbae
Revises: 85433a851470
Create Date: 2026-11-23 20:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "189ca3bbcbae"
down_revision: str | None = "85433a851470"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every pending review's current step, waiting for its seat holders (direct or through
# a group) who have not decided there and whom the request does not exclude: the rule
# of `actions/assignments.py`, in SQL.
BACKFILL_ASSIGNMENTS = """
INSERT INTO review_assignments (step_id, user_id, request_id, space_id)
SELECT DISTINCT step.id, holder.user_id, request.id, request.space_id
FROM approval_requests AS request
JOIN request_steps AS step
  ON step.request_id = request.id AND step.position = request.current_step
JOIN (
  SELECT step_id, user_id FROM request_step_seats WHERE user_id IS NOT NULL
  UNION
  SELECT seat.step_id, member.user_id
  FROM request_step_seats AS seat
  JOIN group_members AS member ON member.group_id = seat.group_id
) AS holder ON holder.step_id = step.id
WHERE request.status = 'pending'
  AND step.status = 'active'
  AND NOT EXISTS (
    SELECT 1 FROM decisions AS decision
    WHERE decision.step_id = step.id AND decision.approver_id = holder.user_id
  )
  AND (
    request.allow_self_approval
    OR (
      holder.user_id <> request.submitted_by
      AND (request.author_id IS NULL OR holder.user_id <> request.author_id)
    )
  )
"""
BACKFILL_COUNTS = (
    "INSERT INTO assignment_counts (user_id, space_id, waiting)"
    " SELECT user_id, space_id, count(*) FROM review_assignments"
    " GROUP BY user_id, space_id",
    "INSERT INTO space_request_counts (space_id, status, requests)"
    " SELECT space_id, status, count(*) FROM approval_requests"
    " GROUP BY space_id, status",
)


def _add(table: str, key: str, value: str, row: str) -> str:
    """One more row counted under `row`'s key (`NEW` or `OLD`)."""
    columns = [column.strip() for column in key.split(",")]
    values = ", ".join(f"{row}.{column}" for column in columns)
    # Built from this module's constants only.
    insert = f"INSERT INTO {table} ({key}, {value}) VALUES ({values}, 1)"  # noqa: S608
    return f"{insert} ON CONFLICT ({key}) DO UPDATE SET {value} = {table}.{value} + 1;"


def _remove(table: str, key: str, value: str, row: str) -> str:
    """One row fewer counted under `row`'s key."""
    columns = [column.strip() for column in key.split(",")]
    match = " AND ".join(f"{column} = {row}.{column}" for column in columns)
    return f"UPDATE {table} SET {value} = {value} - 1 WHERE {match};"  # noqa: S608


# (counted table, counter table, key columns, counter column)
COUNTERS = (
    ("review_assignments", "assignment_counts", "user_id, space_id", "waiting"),
    ("approval_requests", "space_request_counts", "space_id, status", "requests"),
)


def _sqlite_triggers(source: str, table: str, key: str, value: str) -> list[str]:
    moved = " OR ".join(
        f"OLD.{column.strip()} IS NOT NEW.{column.strip()}" for column in key.split(",")
    )
    return [
        f"CREATE TRIGGER {table}_on_insert AFTER INSERT ON {source}"
        f" BEGIN {_add(table, key, value, 'NEW')} END",
        f"CREATE TRIGGER {table}_on_delete AFTER DELETE ON {source}"
        f" BEGIN {_remove(table, key, value, 'OLD')} END",
        f"CREATE TRIGGER {table}_on_update AFTER UPDATE OF {key} ON {source}"
        f" WHEN {moved}"
        f" BEGIN {_remove(table, key, value, 'OLD')}"
        f" {_add(table, key, value, 'NEW')} END",
    ]


# On PostgreSQL the counter rows are locked until commit, so the order in which
# transactions take them matters. Counting at commit puts them after everything else a
# transaction locks, in particular the head of its space's audit chain, which every
# change to a review takes first: two transactions can then never hold one counter
# each and wait for the other's. (SQLite has a single writer and counts at once.)
AT_COMMIT = "DEFERRABLE INITIALLY DEFERRED"


def _postgresql_triggers(source: str, table: str, key: str, value: str) -> list[str]:
    moved = " OR ".join(
        f"OLD.{column.strip()} IS DISTINCT FROM NEW.{column.strip()}"
        for column in key.split(",")
    )
    return [
        f"""
        CREATE FUNCTION {table}_follow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {_remove(table, key, value, "OLD")}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {_add(table, key, value, "NEW")}
            END IF;
            RETURN NULL;
        END
        $$
        """,
        f"CREATE CONSTRAINT TRIGGER {table}_on_insert_or_delete"
        f" AFTER INSERT OR DELETE ON {source} {AT_COMMIT}"
        f" FOR EACH ROW EXECUTE FUNCTION {table}_follow()",
        f"CREATE CONSTRAINT TRIGGER {table}_on_update AFTER UPDATE OF {key}"
        f" ON {source} {AT_COMMIT}"
        f" FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION {table}_follow()",
    ]


def _drop_triggers(dialect: str, source: str, table: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_on_{event}"
            for event in ("insert", "delete", "update")
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_on_insert_or_delete ON {source}",
        f"DROP TRIGGER IF EXISTS {table}_on_update ON {source}",
        f"DROP FUNCTION IF EXISTS {table}_follow()",
    ]


def upgrade() -> None:
    op.create_table(
        "review_assignments",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_review_assignments_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_review_assignments_space_id_spaces"),
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["request_steps.id"],
            name=op.f("fk_review_assignments_step_id_request_steps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_review_assignments_user_id_users"),
        ),
        sa.PrimaryKeyConstraint(
            "step_id", "user_id", name=op.f("pk_review_assignments")
        ),
    )
    op.create_index(
        "ix_review_assignments_user_request",
        "review_assignments",
        ["user_id", "request_id"],
    )
    op.create_index(
        "ix_review_assignments_user_space_request",
        "review_assignments",
        ["user_id", "space_id", "request_id"],
    )
    op.create_table(
        "assignment_counts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_assignment_counts_space_id_spaces"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assignment_counts_user_id_users"),
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "space_id", name=op.f("pk_assignment_counts")
        ),
    )
    op.create_table(
        "space_request_counts",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_space_request_counts_space_id_spaces"),
        ),
        sa.PrimaryKeyConstraint(
            "space_id", "status", name=op.f("pk_space_request_counts")
        ),
    )
    op.execute(BACKFILL_ASSIGNMENTS)
    for statement in BACKFILL_COUNTS:
        op.execute(statement)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for source, table, key, value in COUNTERS:
        make = _sqlite_triggers if sqlite else _postgresql_triggers
        for statement in make(source, table, key, value):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for source, table, _key, _value in COUNTERS:
        for statement in _drop_triggers(dialect, source, table):
            op.execute(statement)
    op.drop_table("space_request_counts")
    op.drop_table("assignment_counts")
    op.drop_index(
        "ix_review_assignments_user_space_request", table_name="review_assignments"
    )
    op.drop_index("ix_review_assignments_user_request", table_name="review_assignments")
    op.drop_table("review_assignments")
