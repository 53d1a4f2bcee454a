"""What an operator's monitoring reads from the database: the outbox's backlog and
the Confluence sites' last good pass.

Each figure is one small grouped query, cheap enough to run on every scrape: the
outbox is read through its (status, available_at) index, never its delivered rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.db.models import ConfluenceSite, OutboxMessage


@dataclass(frozen=True)
class OutboxBacklog:
    """The outbox messages of one status and kind: how many, and the oldest's
    creation time."""

    status: str
    kind: str
    count: int
    oldest: datetime


@dataclass(frozen=True)
class SitePass:
    """A Confluence site and the moment its last pass succeeded (None: never yet)."""

    name: str
    last_ok_at: datetime | None
    added_at: datetime


def outbox_backlog(session: Session, statuses: Collection[str]) -> list[OutboxBacklog]:
    """The messages in `statuses`, grouped by status and kind (one query)."""
    rows = session.execute(
        select(
            OutboxMessage.status,
            OutboxMessage.kind,
            func.count(),
            func.min(OutboxMessage.created_at),
        )
        .where(OutboxMessage.status.in_(sorted(statuses)))
        .group_by(OutboxMessage.status, OutboxMessage.kind)
        .order_by(OutboxMessage.status, OutboxMessage.kind)
    )
    return [
        OutboxBacklog(status, kind, count, oldest)
        for status, kind, count, oldest in rows
    ]


def site_passes(session: Session) -> list[SitePass]:
    """Every connected Confluence site with its last good pass, by name."""
    rows = session.execute(
        select(
            ConfluenceSite.name, ConfluenceSite.last_ok_at, ConfluenceSite.created_at
        ).order_by(ConfluenceSite.name)
    )
    return [SitePass(name, last_ok, added) for name, last_ok, added in rows]
