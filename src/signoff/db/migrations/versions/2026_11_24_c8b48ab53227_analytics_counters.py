"""analytics counters kept by triggers

Analytics reads buckets instead of aggregating the whole history on each call:

- `analytics_daily` (space, UTC day, workflow): the requests created that day
  (`submitted`, and `submitted_<status>` by their status now) and the requests
  completed that day (`completed`, and `completed_<status>` by their status now);
- `analytics_approval_times` (space, UTC day of completion, wait bucket): how many
  of the requests now approved were completed that day after a wait in the bucket,
  and the exact sum of those waits in milliseconds;
- `analytics_approver_daily` (space, UTC day, approver): the decisions recorded that
  day on the space's requests;
- `analytics_approval_times_monthly` and `analytics_approver_monthly`: the same by
  UTC calendar month (`month` is its first day). A wait histogram or a list of
  approvers has many rows a day, so a long range reads its whole months here and
  only the days around them from the daily tables.

Triggers on `approval_requests` and `decisions` keep them in the transaction of the
change, whatever makes it (submit, bulk submit, decide, cancel, supersede on edit,
expiry, or plain SQL): an INSERT adds the new row's share, a DELETE takes the old
row's away, and an UPDATE of a column the counters read does both, so the buckets
always equal an aggregation of the rows. On PostgreSQL a TRUNCATE (which fires no row
triggers) empties them as well. The upgrade fills the buckets from the rows already
there, after creating the triggers (which on PostgreSQL lock the two tables against
writes until the migration commits).

Lock order (PostgreSQL): a counter row is shared by every request of one workflow on
one day, and its row lock lasts until commit. Each trigger therefore first locks its
space's audit chain head (`audit_chain_heads`, chain `space:<id>`, as
`actions/audit.py` names it), which the same action locks a moment later anyway to
append its audit event. A counter row is then only ever locked by the holder of its
space's chain head, so it cannot close a cycle of waits (a bulk submit holding the
head and wanting a counter row that a single submit holds while it waits for the
head, say). SQLite's single writer needs none of this.

Waits are bucketed by whole seconds: one-second buckets below 64 s, then 32 buckets
to each doubling (64-66 s, 66-68 s, ...; 64 s wide around an hour, 34 min around a
day), so no bucket is wider than 1/32 of the waits in it. Each bucket also keeps the
exact sum of its waits, and a percentile reads the mean of the bucket holding its
order statistic: exact when the requests in that bucket waited equally long, and
otherwise off by less than the bucket's width (3.2% of the wait).

A later migration that rebuilds `approval_requests` or `decisions` (an SQLite batch
copy drops a table's triggers) must create these triggers again.

Revision ID: c8b48ab53227
Revises: 189ca3bbcbae
Create Date: 2026-11-24 09:00:00.000000
"""

# ruff: noqa: S608  (every statement is built from this file's constants, no input)

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8b48ab53227"
down_revision: str | None = "189ca3bbcbae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The request statuses of `domain/states.py` when this was written: a new status needs
# its two columns, and these triggers made again, in a later migration.
STATUSES = ("pending", "approved", "rejected", "cancelled", "superseded", "expired")
SUBMITTED = ("submitted", *(f"submitted_{status}" for status in STATUSES))
COMPLETED = ("completed", *(f"completed_{status}" for status in STATUSES))
DAILY_KEY = ("space_id", "day", "workflow_id")
TIMES = ("requests", "total_ms")
APPROVER = ("approvals", "rejections")
# the spans the histogram and the approvers are kept by, and their period column
SPANS = {"day": "day", "month": "month"}
TIMES_TABLES = {
    "day": "analytics_approval_times",
    "month": "analytics_approval_times_monthly",
}
APPROVER_TABLES = {
    "day": "analytics_approver_daily",
    "month": "analytics_approver_monthly",
}

COUNTER_TABLES = (
    "analytics_daily",
    *TIMES_TABLES.values(),
    *APPROVER_TABLES.values(),
)

SUB_BUCKETS = 32  # duration buckets to each doubling
LINEAR_BELOW = 2 * SUB_BUCKETS  # seconds: one-second buckets below this
LAST_DOUBLING = 40  # 2**40 s is some 35,000 years: one width beyond it

REQUEST_COLUMNS = ("status", "completed_at", "created_at", "space_id", "workflow_id")
DECISION_COLUMNS = ("kind", "approver_id", "created_at", "request_id")
SQLITE_TRIGGERS = (
    "analytics_request_insert",
    "analytics_request_update",
    "analytics_request_delete",
    "analytics_decision_insert",
    "analytics_decision_update",
    "analytics_decision_delete",
)


# Expressions shared by the triggers and the backfill ---------------------------------


def _day(dialect: str, moment: str) -> str:
    """The UTC calendar day of a timestamp, as analytics has always counted."""
    if dialect == "sqlite":
        return f"date({moment})"  # SQLite stores UTC text: its date() is the UTC day
    return f"(({moment}) AT TIME ZONE 'UTC')::date"


def _period(dialect: str, moment: str, span: str) -> str:
    """The first day of the UTC day or month holding a timestamp."""
    if span == "day":
        return _day(dialect, moment)
    if dialect == "sqlite":
        return f"date({moment}, 'start of month')"
    return f"date_trunc('month', ({moment}) AT TIME ZONE 'UTC')::date"


def _ms(dialect: str, first: str, then: str) -> str:
    """Whole milliseconds from `first` to `then`."""
    if dialect == "sqlite":
        return (
            f"CAST(round((julianday({then}) - julianday({first})) * 86400000) "
            "AS INTEGER)"
        )
    return f"round(extract(epoch FROM ({then}) - ({first})) * 1000)::bigint"


def _bucket(seconds: str) -> str:
    """The lower bound, in whole seconds, of the duration bucket holding `seconds`
    (an integer expression)."""
    branches = [f"WHEN {seconds} < {LINEAR_BELOW} THEN {seconds}"]
    for doubling in range(LINEAR_BELOW.bit_length() - 1, LAST_DOUBLING):
        width = 2**doubling // SUB_BUCKETS
        branches.append(
            f"WHEN {seconds} < {2 ** (doubling + 1)} THEN {seconds} / {width} * {width}"
        )
    width = 2**LAST_DOUBLING // SUB_BUCKETS
    return f"CASE {' '.join(branches)} ELSE {seconds} / {width} * {width} END"


def _when(condition: str, value: int | str) -> str:
    return f"CASE WHEN {condition} THEN {value} ELSE 0 END"


def _daily_shares(dialect: str, row: str, sign: int) -> list[tuple[str, str]]:
    """What request `row` (NEW, OLD or an alias) adds to `analytics_daily`, times
    `sign`: a select list and its condition, for its submission day and for its
    completion day."""
    by_status = [_when(f"{row}.status = '{status}'", sign) for status in STATUSES]
    nothing = ["0"] * len(STATUSES)
    shares = []
    for moment, counts, condition in (
        ("created_at", [str(sign), *by_status, "0", *nothing], "true"),
        (
            "completed_at",
            ["0", *nothing, str(sign), *by_status],
            f"{row}.completed_at IS NOT NULL",
        ),
    ):
        values = [
            f"{row}.space_id",
            _day(dialect, f"{row}.{moment}"),
            f"{row}.workflow_id",
            *counts,
        ]
        names = (*DAILY_KEY, *SUBMITTED, *COMPLETED)
        shares.append((_aliased(values, names), condition))
    return shares


def _aliased(values: Sequence[str], names: Sequence[str]) -> str:
    return ", ".join(f"{v} AS {n}" for v, n in zip(values, names, strict=True))


def _waits(dialect: str, row: str, span: str, source: str = "") -> str:
    """Space, day or month of completion and wait in ms of request `row` (from
    `source`), if it is approved."""
    period = _period(dialect, f"{row}.completed_at", span)
    ms = _ms(dialect, f"{row}.created_at", f"{row}.completed_at")
    return (
        f"SELECT {row}.space_id AS space_id, {period} AS period, {ms} AS ms {source}"
        f"WHERE {row}.status = 'approved' AND {row}.completed_at IS NOT NULL"
    )


def _decision_share(
    dialect: str, decision: str, space: str, sign: int, span: str
) -> str:
    """Select list of what `decision` adds to the approver counters of `span`."""
    values = [
        space,
        _period(dialect, f"{decision}.created_at", span),
        f"{decision}.approver_id",
        _when(f"{decision}.kind = 'approve'", sign),
        _when(f"{decision}.kind = 'reject'", sign),
    ]
    return _aliased(values, ("space_id", "period", "approver_id", *APPROVER))


# Trigger bodies ----------------------------------------------------------------------


def _upsert(table: str, key: Sequence[str], counts: Sequence[str], rows: str) -> str:
    """Add `rows` (a SELECT of key and counts; SQLite wants it to have a WHERE clause
    before ON CONFLICT) to the counters of `table`."""
    columns = ", ".join((*key, *counts))
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    return (
        f"INSERT INTO {table} ({columns}) {rows} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}"
    )


def _request_statements(dialect: str, row: str, sign: int) -> list[str]:
    """Request `row` (NEW or OLD) coming (+1) into the counters or going (-1)."""
    daily = [
        _upsert(
            "analytics_daily",
            DAILY_KEY,
            (*SUBMITTED, *COMPLETED),
            f"SELECT {shares} WHERE {condition}",
        )
        for shares, condition in _daily_shares(dialect, row, sign)
    ]
    times = [
        _upsert(
            TIMES_TABLES[span],
            ("space_id", column, "from_seconds"),
            TIMES,
            f"SELECT space_id, period, {_bucket('ms / 1000')}, {sign}, {sign} * ms "
            f"FROM ({_waits(dialect, row, span)}) AS waits WHERE true",
        )
        for span, column in SPANS.items()
    ]
    return [*daily, *times]


def _decision_statements(dialect: str, row: str, sign: int) -> list[str]:
    """Decision `row` (NEW or OLD) coming into the approver counters or going.

    It counts under its request's space. A decision deleted by the cascade from its
    request finds no request here: the request's delete trigger took it away first.
    """
    return [
        _upsert(
            APPROVER_TABLES[span],
            ("space_id", column, "approver_id"),
            APPROVER,
            f"SELECT {_decision_share(dialect, row, 'r.space_id', sign, span)} "
            f"FROM approval_requests r WHERE r.id = {row}.request_id",
        )
        for span, column in SPANS.items()
    ]


def _request_decisions(dialect: str, row: str, sign: int, condition: str) -> list[str]:
    """Every decision on request `row` coming or going under the request's space:
    for a request deleted (its decisions go with it) or moved to another space."""
    approve = _when("d.kind = 'approve'", sign)
    reject = _when("d.kind = 'reject'", sign)
    statements = []
    for span, column in SPANS.items():
        period = _period(dialect, "d.created_at", span)
        statements.append(
            _upsert(
                APPROVER_TABLES[span],
                ("space_id", column, "approver_id"),
                APPROVER,
                f"SELECT {row}.space_id, {period}, d.approver_id, sum({approve}), "
                f"sum({reject}) FROM decisions d "
                f"WHERE d.request_id = {row}.id AND {condition} "
                f"GROUP BY {period}, d.approver_id",
            )
        )
    return statements


def _changed(columns: Sequence[str], differ: str) -> str:
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)


# SQLite ------------------------------------------------------------------------------


def _sqlite_trigger(
    name: str, event: str, table: str, body: list[str], when: str | None = None
) -> str:
    condition = f"WHEN {when}\n" if when else ""
    statements = "".join(f"    {statement};\n" for statement in body)
    return (
        f"CREATE TRIGGER {name} {event} ON {table}\n{condition}BEGIN\n{statements}END"
    )


def _sqlite_up() -> list[str]:
    d = "sqlite"
    moved = "OLD.space_id IS NOT NEW.space_id"
    return [
        _sqlite_trigger(
            "analytics_request_insert",
            "AFTER INSERT",
            "approval_requests",
            _request_statements(d, "NEW", 1),
        ),
        _sqlite_trigger(
            "analytics_request_update",
            f"AFTER UPDATE OF {', '.join(REQUEST_COLUMNS)}",
            "approval_requests",
            [
                *_request_statements(d, "OLD", -1),
                *_request_statements(d, "NEW", 1),
                *_request_decisions(d, "OLD", -1, moved),
                *_request_decisions(d, "NEW", 1, moved),
            ],
            when=_changed(REQUEST_COLUMNS, "IS NOT"),
        ),
        # BEFORE, while the request's decisions are there to be counted out: the
        # cascade deletes them after the row is gone.
        _sqlite_trigger(
            "analytics_request_delete",
            "BEFORE DELETE",
            "approval_requests",
            [
                *_request_statements(d, "OLD", -1),
                *_request_decisions(d, "OLD", -1, "true"),
            ],
        ),
        _sqlite_trigger(
            "analytics_decision_insert",
            "AFTER INSERT",
            "decisions",
            _decision_statements(d, "NEW", 1),
        ),
        _sqlite_trigger(
            "analytics_decision_update",
            f"AFTER UPDATE OF {', '.join(DECISION_COLUMNS)}",
            "decisions",
            [*_decision_statements(d, "OLD", -1), *_decision_statements(d, "NEW", 1)],
            when=_changed(DECISION_COLUMNS, "IS NOT"),
        ),
        _sqlite_trigger(
            "analytics_decision_delete",
            "AFTER DELETE",
            "decisions",
            _decision_statements(d, "OLD", -1),
        ),
    ]


SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


# PostgreSQL --------------------------------------------------------------------------

LOCK_HEAD = (
    "PERFORM 1 FROM audit_chain_heads WHERE chain = 'space:' || {space} FOR UPDATE"
)
LOCK_DECISION_HEAD = (
    "PERFORM 1 FROM audit_chain_heads h JOIN approval_requests r "
    "ON h.chain = 'space:' || r.space_id WHERE r.id = {row}.request_id FOR UPDATE OF h"
)


def _plpgsql(name: str, body: list[str]) -> str:
    lines = "".join(f"    {line}\n" for line in body)
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger\n"
        f"LANGUAGE plpgsql AS $$\nBEGIN\n{lines}END\n$$"
    )


def _block(condition: str, statements: list[str]) -> list[str]:
    return [f"IF {condition} THEN", *(f"    {s};" for s in statements), "END IF;"]


def _postgresql_up() -> list[str]:
    d = "postgresql"
    moved = "OLD.space_id <> NEW.space_id"
    count_request = _plpgsql(
        "analytics_count_request",
        [
            *_block(
                "TG_OP <> 'INSERT'",
                [
                    LOCK_HEAD.format(space="OLD.space_id"),
                    *_request_statements(d, "OLD", -1),
                ],
            ),
            *_block(
                "TG_OP <> 'DELETE'",
                [
                    LOCK_HEAD.format(space="NEW.space_id"),
                    *_request_statements(d, "NEW", 1),
                ],
            ),
            *_block(
                "TG_OP = 'DELETE'",
                [*_request_decisions(d, "OLD", -1, "true"), "RETURN OLD"],
            ),
            *_block(
                f"TG_OP = 'UPDATE' AND {moved}",
                [
                    *_request_decisions(d, "OLD", -1, "true"),
                    *_request_decisions(d, "NEW", 1, "true"),
                ],
            ),
            "RETURN NEW;",
        ],
    )
    count_decision = _plpgsql(
        "analytics_count_decision",
        [
            *_block(
                "TG_OP <> 'INSERT'",
                [
                    LOCK_DECISION_HEAD.format(row="OLD"),
                    *_decision_statements(d, "OLD", -1),
                ],
            ),
            *_block(
                "TG_OP <> 'DELETE'",
                [
                    LOCK_DECISION_HEAD.format(row="NEW"),
                    *_decision_statements(d, "NEW", 1),
                ],
            ),
            "RETURN NULL;",
        ],
    )
    forget_requests = _plpgsql(
        "analytics_forget_requests",
        [
            *(f"DELETE FROM {table};" for table in COUNTER_TABLES),
            "RETURN NULL;",
        ],
    )
    forget_decisions = _plpgsql(
        "analytics_forget_decisions",
        [
            *(f"DELETE FROM {table};" for table in APPROVER_TABLES.values()),
            "RETURN NULL;",
        ],
    )
    row = "FOR EACH ROW"
    requests_changed = _changed(REQUEST_COLUMNS, "IS DISTINCT FROM")
    decisions_changed = _changed(DECISION_COLUMNS, "IS DISTINCT FROM")
    return [
        count_request,
        count_decision,
        forget_requests,
        forget_decisions,
        "CREATE TRIGGER analytics_request_insert AFTER INSERT ON approval_requests "
        f"{row} EXECUTE FUNCTION analytics_count_request()",
        "CREATE TRIGGER analytics_request_update "
        f"AFTER UPDATE OF {', '.join(REQUEST_COLUMNS)} ON approval_requests "
        f"{row} WHEN ({requests_changed}) EXECUTE FUNCTION analytics_count_request()",
        # BEFORE, while the request's decisions are there to be counted out
        "CREATE TRIGGER analytics_request_delete BEFORE DELETE ON approval_requests "
        f"{row} EXECUTE FUNCTION analytics_count_request()",
        "CREATE TRIGGER analytics_request_truncate AFTER TRUNCATE ON approval_requests "
        "FOR EACH STATEMENT EXECUTE FUNCTION analytics_forget_requests()",
        "CREATE TRIGGER analytics_decision_insert AFTER INSERT ON decisions "
        f"{row} EXECUTE FUNCTION analytics_count_decision()",
        "CREATE TRIGGER analytics_decision_update "
        f"AFTER UPDATE OF {', '.join(DECISION_COLUMNS)} ON decisions "
        f"{row} WHEN ({decisions_changed}) "
        "EXECUTE FUNCTION analytics_count_decision()",
        "CREATE TRIGGER analytics_decision_delete AFTER DELETE ON decisions "
        f"{row} EXECUTE FUNCTION analytics_count_decision()",
        "CREATE TRIGGER analytics_decision_truncate AFTER TRUNCATE ON decisions "
        "FOR EACH STATEMENT EXECUTE FUNCTION analytics_forget_decisions()",
    ]


POSTGRESQL_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS analytics_request_{event} ON approval_requests"
        for event in ("insert", "update", "delete", "truncate")
    ),
    *(
        f"DROP TRIGGER IF EXISTS analytics_decision_{event} ON decisions"
        for event in ("insert", "update", "delete", "truncate")
    ),
    *(
        f"DROP FUNCTION IF EXISTS analytics_{name}()"
        for name in (
            "count_request",
            "count_decision",
            "forget_requests",
            "forget_decisions",
        )
    ),
]


# Backfill ----------------------------------------------------------------------------


def _backfill(dialect: str) -> list[str]:
    """The buckets of the rows already there: one aggregation per table."""
    counts = (*SUBMITTED, *COMPLETED)
    shares = " UNION ALL ".join(
        f"SELECT {select} FROM approval_requests r WHERE {condition}"
        for select, condition in _daily_shares(dialect, "r", 1)
    )
    statements = [
        f"INSERT INTO analytics_daily ({', '.join((*DAILY_KEY, *counts))}) "
        f"SELECT {', '.join(DAILY_KEY)}, {', '.join(f'sum({c})' for c in counts)} "
        f"FROM ({shares}) AS shares GROUP BY {', '.join(DAILY_KEY)}"
    ]
    for span, column in SPANS.items():
        waits = _waits(dialect, "r", span, "FROM approval_requests r ")
        statements.append(
            f"INSERT INTO {TIMES_TABLES[span]} "
            f"(space_id, {column}, from_seconds, {', '.join(TIMES)}) "
            "SELECT space_id, period, from_seconds, count(*), sum(ms) FROM ("
            f"SELECT space_id, period, {_bucket('ms / 1000')} AS from_seconds, ms "
            f"FROM ({waits}) AS waits) AS buckets "
            "GROUP BY space_id, period, from_seconds"
        )
        share = _decision_share(dialect, "d", "r.space_id", 1, span)
        statements.append(
            f"INSERT INTO {APPROVER_TABLES[span]} "
            f"(space_id, {column}, approver_id, {', '.join(APPROVER)}) "
            "SELECT space_id, period, approver_id, sum(approvals), sum(rejections) "
            f"FROM (SELECT {share} "
            "FROM decisions d JOIN approval_requests r ON r.id = d.request_id"
            ") AS shares GROUP BY space_id, period, approver_id"
        )
    return statements


# Tables ------------------------------------------------------------------------------


def _counts(names: Sequence[str]) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        *_counts((*SUBMITTED, *COMPLETED)),
        sa.PrimaryKeyConstraint(*DAILY_KEY, name=op.f("pk_analytics_daily")),
        sqlite_with_rowid=False,
    )
    for span, column in SPANS.items():
        table = TIMES_TABLES[span]
        op.create_table(
            table,
            sa.Column("space_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Date(), nullable=False),
            sa.Column("from_seconds", sa.BigInteger(), nullable=False),
            sa.Column("requests", sa.Integer(), nullable=False),
            sa.Column("total_ms", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint(
                "space_id", column, "from_seconds", name=op.f(f"pk_{table}")
            ),
            sqlite_with_rowid=False,
        )
        table = APPROVER_TABLES[span]
        op.create_table(
            table,
            sa.Column("space_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Date(), nullable=False),
            sa.Column("approver_id", sa.Integer(), nullable=False),
            *_counts(APPROVER),
            sa.PrimaryKeyConstraint(
                "space_id", column, "approver_id", name=op.f(f"pk_{table}")
            ),
            sqlite_with_rowid=False,
        )
    # the partial days at the ends of a range are read from the decisions themselves
    op.create_index(
        op.f("ix_decisions_created_at"), "decisions", ["created_at"], unique=False
    )
    dialect = op.get_bind().dialect.name
    for statement in _sqlite_up() if dialect == "sqlite" else _postgresql_up():
        op.execute(statement)
    for statement in _backfill(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRESQL_DOWN:
        op.execute(statement)
    op.drop_index(op.f("ix_decisions_created_at"), table_name="decisions")
    for table in reversed(COUNTER_TABLES):
        op.drop_table(table)
