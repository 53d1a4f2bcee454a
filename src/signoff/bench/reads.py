"""The read endpoints the bench times, exactly as the REST API composes them.

Each function is the body of one API route's handler (`GET /queue`, `GET
/changeSets/detail`, `GET /analytics`): the same access checks, queries and response
models (`api/v1/shapes/`) written to JSON values, minus HTTP. A call opens its own
read transaction, as a request does.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff.access import access_change_set, access_space
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.analytics import analytics_out
from signoff.api.v1.shapes.changesets import change_set_one
from signoff.api.v1.shapes.queue import queue_page
from signoff.bench.measure import Stopwatch, current_rss_mb
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.states import Role
from signoff.queries.analytics import analytics, busiest_approvers
from signoff.queries.audit import AuditFilter, export_jsonl, iter_audit_events
from signoff.queries.changesets import change_set_detail
from signoff.queries.queue import list_queue, queue_counts


def queue_first_page(db: Database, actor_id: int, space_id: int) -> dict[str, Any]:
    """`GET /api/v1/queue?spaceId=..&assignedTo=me`: what the approver may decide."""
    with db.read() as session:
        actor = session.get_one(User, actor_id)
        access_space(session, actor, space_id)
        items, next_cursor = list_queue(
            session, actor, space_id=space_id, status="pending", assigned_to_me=True
        )
        return plain(
            queue_page(items, next_cursor, queue_counts(session, actor, space_id))
        )


def change_set_rollup(
    db: Database, actor_id: int, change_set_id: int
) -> dict[str, Any]:
    """`GET /api/v1/changeSets/detail`: the set with every page's approval facts."""
    with db.read() as session:
        actor = session.get_one(User, actor_id)
        change_set = access_change_set(session, actor, change_set_id)
        return plain(change_set_one(change_set_detail(session, change_set)))


def space_analytics(db: Database, actor_id: int, space_id: int) -> dict[str, Any]:
    """`GET /api/v1/analytics?spaceId=..`: the whole history, by day."""
    with db.read() as session:
        actor = session.get_one(User, actor_id)
        space = access_space(
            session, actor, space_id, Role.admin, action="read analytics"
        )
        report = analytics(session, space.id, start=None, end=None, interval="day")
        approvers = busiest_approvers(session, space.id, start=None, end=None)
        return plain(analytics_out(report, approvers))


SAMPLE_EVERY = 1000  # events: one memory sample per export batch


@dataclass(frozen=True)
class ExportRun:
    events: int
    bytes: int
    seconds: float
    rss_growth_mb: float


def export_audit_trail(db: Database, space_id: int, out: Path) -> ExportRun:
    """`signoff audit export --format jsonl --out FILE`: the same batched stream.

    Resident memory is sampled while the stream runs, so the growth is what the
    export itself holds, whatever the process held before it.
    """
    gc.collect()
    before = current_rss_mb()
    highest, events, watch = before, 0, Stopwatch()
    with watch.running(), db.read() as session, out.open("w", encoding="utf-8") as file:
        for line in export_jsonl(iter_audit_events(session, AuditFilter(space_id))):
            file.write(line)
            events += 1
            if events % SAMPLE_EVERY == 0:
                highest = max(highest, current_rss_mb())
    highest = max(highest, current_rss_mb())
    return ExportRun(events, out.stat().st_size, watch.seconds, highest - before)
