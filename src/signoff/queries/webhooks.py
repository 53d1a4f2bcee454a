"""A space's webhooks and each one's delivery log, newest attempt first.

`/api/v1` and `signoff webhook --json` write these values (`api/v1/webhooks.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.db.models import WebhookDelivery, WebhookSubscription
from signoff.queries.keyset import decode_cursor, encode_cursor

LOG_ORDER = "deliveries"


@dataclass(frozen=True)
class WebhookView:
    """A webhook; `last_*` describe its latest attempt (all None before the first)."""

    id: int
    space_id: int
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime
    updated_at: datetime
    last_status: int | None
    last_error: str | None
    last_at: datetime | None


def list_webhooks(session: Session, space_id: int) -> list[WebhookView]:
    """The space's webhooks, oldest first, each with its latest attempt; three
    statements however many there are."""
    hooks = session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.space_id == space_id)
        .order_by(WebhookSubscription.id)
    ).all()
    latest = _latest_attempts(session, [hook.id for hook in hooks])
    return [_view(hook, latest.get(hook.id)) for hook in hooks]


def webhook_view(session: Session, hook: WebhookSubscription) -> WebhookView:
    return _view(hook, _latest_attempts(session, [hook.id]).get(hook.id))


def _latest_attempts(
    session: Session, hook_ids: list[int]
) -> dict[int, WebhookDelivery]:
    if not hook_ids:
        return {}
    newest = (
        select(WebhookDelivery.subscription_id, func.max(WebhookDelivery.id))
        .where(WebhookDelivery.subscription_id.in_(hook_ids))
        .group_by(WebhookDelivery.subscription_id)
    )
    ids = [row[1] for row in session.execute(newest)]
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return {row.subscription_id: row for row in rows}


def _view(hook: WebhookSubscription, last: WebhookDelivery | None) -> WebhookView:
    return WebhookView(
        id=hook.id,
        space_id=hook.space_id,
        url=hook.url,
        events=tuple(hook.events),
        active=hook.is_active,
        created_at=hook.created_at,
        updated_at=hook.updated_at,
        last_status=last.status_code if last else None,
        last_error=last.error if last else None,
        last_at=last.at if last else None,
    )


@dataclass(frozen=True)
class DeliveryView:
    id: int
    message_id: str
    event: str
    attempt: int
    status_code: int | None
    duration_ms: int
    error: str | None
    at: datetime


def delivery_log(
    session: Session, hook_id: int, *, cursor: str | None, limit: int
) -> tuple[list[DeliveryView], str | None]:
    """One page of attempts, newest first, and the cursor of the next page."""
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == hook_id)
    if cursor:
        (before,) = decode_cursor(cursor, LOG_ORDER)
        query = query.where(WebhookDelivery.id < before)
    rows = session.scalars(
        query.order_by(WebhookDelivery.id.desc()).limit(limit + 1)
    ).all()
    page = [
        DeliveryView(
            row.id,
            row.message_id,
            row.event,
            row.attempt,
            row.status_code,
            row.duration_ms,
            row.error,
            row.at,
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    return page, encode_cursor(LOG_ORDER, [page[-1].id]) if more else None
