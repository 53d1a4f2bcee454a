"""The webhook channel: one delivery per subscribed receiver, signed and logged.

An event in the outbox (an audit action such as `approval.approved`) fans out into
one `webhook.delivery` message per active subscription of its space that wants it;
each delivery is then retried on its own, so a slow or broken receiver never holds
up the others. Every attempt is written to the subscription's delivery log with its
status code and timing. The delivery's message id is stable across retries and goes
out as `X-Signoff-Message-Id`, so receivers can drop duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from signoff.db.models import WebhookDelivery, WebhookSubscription
from signoff.db.session import Database
from signoff.domain.events import WEBHOOK_EVENTS, wants
from signoff.notify.delivery import DeliveryResult, send_webhook
from signoff.notify.handlers import FollowUp, GiveUp, Message, Retry
from signoff.notify.signing import webhook_headers
from signoff.outbound.secrets import webhook_secret
from signoff.outbound.url_policy import AllowList, Resolver, system_resolver
from signoff.queries.audience import RECIPIENTS
from signoff.queries.page_refs import public_page_ids

DELIVERY_KIND = "webhook.delivery"
EVENT_HEADER = "X-Signoff-Event"
MAX_ERROR = 500

Sender = Callable[..., DeliveryResult]


def fan_out_webhooks(message: Message, db: Database) -> Sequence[FollowUp]:
    """One delivery per active subscription of the event's space that wants it."""
    if message.kind not in WEBHOOK_EVENTS or message.space_id is None:
        return ()
    with db.read() as session:
        hooks = session.execute(
            select(WebhookSubscription.id, WebhookSubscription.events).where(
                WebhookSubscription.space_id == message.space_id,
                WebhookSubscription.is_active.is_(True),
            )
        ).all()
        data = _public(message.payload)
        if hooks and isinstance(data.get("pageId"), int):
            # A page kept in Confluence is named by its Confluence id, as the REST
            # API names it.
            page_id = data["pageId"]
            data["pageId"] = public_page_ids(session, [page_id]).get(page_id, page_id)
    return [
        FollowUp(
            DELIVERY_KIND,
            {
                "webhookId": hook_id,
                "event": message.kind,
                "eventId": message.message_id,
                "occurredAt": _iso(message.created_at),
                "data": data,
            },
            message.space_id,
            key=f"webhook:{hook_id}",
        )
        for hook_id, events in hooks
        if wants(list(events), message.kind)
    ]


class WebhookSender:
    """Delivers `webhook.delivery` messages; the handler the worker calls."""

    def __init__(
        self,
        *,
        site_key: str,
        allow: AllowList,
        clock: Callable[[], datetime],
        resolver: Resolver = system_resolver,
        send: Sender = send_webhook,
    ) -> None:
        self.site_key = site_key
        self.allow = allow
        self.clock = clock
        self.resolver = resolver
        self.send = send

    def __call__(self, message: Message, db: Database) -> Sequence[FollowUp]:
        hook_id = message.payload.get("webhookId")
        with db.read() as session:
            hook = session.get(WebhookSubscription, hook_id) if hook_id else None
            if hook is None or not hook.is_active:
                # Removed or paused since the event: nothing is owed to it.
                return ()
            url, secret = hook.url, webhook_secret(self.site_key, hook.id, hook.salt)
        body = delivery_body(message)
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: str(message.payload.get("event", "")),
            **webhook_headers(message.message_id, secret, body, self.clock()),
        }
        result = self.send(url, body, headers, allow=self.allow, resolver=self.resolver)
        self._log(db, message, result)
        if result.error is None:
            return ()
        reason = f"{result.error.kind}: {result.error.detail}"[:MAX_ERROR]
        if result.error.kind == "refused":
            # The URL policy refuses the target now: retrying cannot change that.
            raise GiveUp(reason)
        raise Retry(reason)

    def _log(self, db: Database, message: Message, result: DeliveryResult) -> None:
        error = (
            None
            if result.error is None
            else f"{result.error.kind}: {result.error.detail}"[:MAX_ERROR]
        )
        with db.write() as session:
            if session.get(WebhookSubscription, message.payload["webhookId"]) is None:
                return  # deleted while we were sending
            session.add(
                WebhookDelivery(
                    subscription_id=message.payload["webhookId"],
                    message_id=message.message_id,
                    event=str(message.payload.get("event", ""))[:60],
                    attempt=message.attempts + 1,
                    status_code=result.status_code,
                    duration_ms=result.duration_ms,
                    error=error,
                    at=self.clock(),
                )
            )


def delivery_body(message: Message) -> bytes:
    """The JSON a receiver gets: the event, its ids, and what the engine recorded."""
    payload = message.payload
    document: dict[str, Any] = {
        "id": message.message_id,
        "event": payload.get("event"),
        "eventId": payload.get("eventId"),
        "occurredAt": payload.get("occurredAt"),
        "spaceId": None if message.space_id is None else str(message.space_id),
        "data": _ids_as_text(payload.get("data", {})),
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _ids_as_text(data: dict[str, Any]) -> dict[str, Any]:
    """Ids as the REST API writes them: strings (`"pageId": "42"`)."""
    return {
        key: str(value)
        if key.endswith("Id") and isinstance(value, int) and not isinstance(value, bool)
        else value
        for key, value in data.items()
    }


def _public(payload: dict[str, Any]) -> dict[str, Any]:
    """The event as receivers see it: without the internal user ids of the people
    it asked (`recipients`), which are for the email channel."""
    return {key: value for key, value in payload.items() if key != RECIPIENTS}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
