"""The audit trail page's listing: one space's events with the UI's extra filters,
and the titles of the pages they name.

`queries/audit.py` lists by space, page and change set; the page also filters by
actor, action, origin and a UTC time range, all in SQL, newest first by id cursor.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import AuditEvent, Page
from signoff.domain.errors import BadInput
from signoff.queries.audit import MAX_LIMIT
from signoff.queries.keyset import id_cursor


@dataclass(frozen=True)
class AuditViewFilter:
    space_id: int
    page_id: int | None = None
    change_set_id: int | None = None
    actor: str | None = None
    action: str | None = None
    origin: str | None = None
    after: datetime | None = None
    before: datetime | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_space_audit_events(
    session: Session,
    where: AuditViewFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[AuditEvent], str | None]:
    """Newest first; `cursor` is the id of the last event on the previous page.

    `actor` matches the actor's name (substring, case-insensitive); `action` is an
    exact action or a prefix ending in a dot (`approval.`); `after`/`before` bound
    `at` as [after, before).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be 1 to {MAX_LIMIT}.", field="limit")
    query = select(AuditEvent).where(AuditEvent.space_id == where.space_id)
    if where.page_id is not None:
        query = query.where(AuditEvent.page_id == where.page_id)
    if where.change_set_id is not None:
        query = query.where(AuditEvent.change_set_id == where.change_set_id)
    if where.actor:
        query = query.where(
            AuditEvent.actor_name.ilike(_like(where.actor), escape="\\")
        )
    if where.action:
        if where.action.endswith("."):
            query = query.where(
                AuditEvent.action.startswith(where.action, autoescape=True)
            )
        else:
            query = query.where(AuditEvent.action == where.action)
    if where.origin:
        query = query.where(AuditEvent.origin == where.origin)
    if where.after is not None:
        query = query.where(AuditEvent.at >= where.after)
    if where.before is not None:
        query = query.where(AuditEvent.at < where.before)
    if cursor:
        query = query.where(AuditEvent.id < id_cursor(cursor))
    events = list(
        session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1))
    )
    more = len(events) > limit
    events = events[:limit]
    return events, (str(events[-1].id) if more and events else None)


def page_titles(session: Session, page_ids: Collection[int]) -> dict[int, str]:
    """The current titles of the pages a listing of events names, in one statement."""
    if not page_ids:
        return {}
    rows = session.execute(select(Page.id, Page.title).where(Page.id.in_(page_ids)))
    return {row[0]: row[1] for row in rows}
