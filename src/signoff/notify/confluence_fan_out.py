"""Review events of Confluence pages become writes back to the page's site.

A review event (`approval.submitted`, a decision, the review's end, ...) of a page
whose source is a Confluence site fans out into one `confluence.write` message,
retried on its own, so a site that is slow or asks for a pause holds up neither
email nor webhooks. Pages of the built-in store get none: their comments and
property live in Signoff itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from signoff.connectors.confluence.source import site_of
from signoff.db.models import Page
from signoff.db.session import Database
from signoff.notify.handlers import FollowUp, Message

WRITE_KIND = "confluence.write"
CONFLUENCE_EVENTS = (
    "approval.submitted",
    "approval.step_started",
    "approval.decided",
    "approval.approved",
    "approval.rejected",
    "approval.cancelled",
    "approval.superseded",
    "approval.stale",
    "approval.expired",
    "approval.reset",
    "approval.overridden",
    "approval.imported",
)
"""The events that change what a Confluence page shows of its review (a step that
passed is told by the decision that passed it, and a reminder by email alone)."""


def fan_out_confluence(message: Message, db: Database) -> Sequence[FollowUp]:
    """One `confluence.write` for a review event of a Confluence page."""
    payload = message.payload
    page_id, request_id = payload.get("pageId"), payload.get("requestId")
    if message.kind not in CONFLUENCE_EVENTS or not (
        _is_id(page_id) and _is_id(request_id)
    ):
        return ()
    with db.read() as session:
        source = session.scalar(select(Page.source).where(Page.id == page_id))
    site_id = site_of(source) if source is not None else None
    if site_id is None:
        return ()
    return [
        FollowUp(
            WRITE_KIND,
            {
                "event": message.kind,
                "eventId": message.message_id,
                "siteId": site_id,
                "pageId": page_id,
                "requestId": request_id,
                "data": payload,
            },
            message.space_id,
            key=f"confluence:{request_id}:{message.kind}",
        )
    ]


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
