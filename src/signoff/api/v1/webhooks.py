"""Webhook subscriptions of a space: list, create, update, rotate the secret, delete,
and read the delivery log. Space admins only, with the `manage:space` scope.

The signing secret is in the answer of `POST /webhooks` and of `/webhooks/rotate`
only; it is never stored, so it cannot be shown again (rotate to get a new one). The
response models and the functions that build them from `queries.webhooks`' values
live here, beside the routes; `signoff webhook --json` prints the same objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field
from pydantic.config import JsonDict
from sqlalchemy.orm import Session

from signoff.access import access_space, access_webhook, require_role
from signoff.actions.webhooks import (
    do_create_webhook,
    do_delete_webhook,
    do_rotate_webhook_secret,
    do_update_webhook,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    AT,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiModel,
    Envelope,
    IdText,
    Moment,
    documented,
)
from signoff.api.v1.schemas import Body, ObjectId
from signoff.auth.scopes import Scope
from signoff.config import Settings
from signoff.db.models import User, WebhookSubscription
from signoff.domain.events import WEBHOOK_EVENTS
from signoff.domain.states import Role
from signoff.outbound.secrets import webhook_secret
from signoff.queries.keyset import MAX_LIMIT
from signoff.queries.webhooks import (
    DeliveryView,
    WebhookView,
    delivery_log,
    list_webhooks,
    webhook_view,
)

router = APIRouter(tags=["webhooks"])

Manager = Annotated[ApiCall, Depends(api_call(Scope.manage_space))]
MANAGE = "manage webhooks"
EVENTS_HELP = 'Event names (see `GET /webhooks/events`), or `["*"]` for all.'


# -- bodies ----------------------------------------------------------------------


class WebhookCreate(Body):
    space_id: ObjectId
    url: str = Field(max_length=2000, examples=["https://hooks.example.com/signoff"])
    events: list[str] = Field(
        min_length=1, max_length=50, description=EVENTS_HELP, examples=[["*"]]
    )


class WebhookUpdate(Body):
    """Only the fields given change; a new `url` is checked again."""

    webhook_id: ObjectId
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None


class WebhookRef(Body):
    webhook_id: ObjectId


# -- responses -------------------------------------------------------------------


class LastDeliveryOut(ApiModel):
    at: Moment
    status_code: int | None = None
    error: str | None = None


class WebhookOut(ApiModel):
    id: IdText
    space_id: IdText
    url: str
    events: list[str]
    active: bool
    created_at: Moment
    updated_at: Moment
    last_delivery: LastDeliveryOut | None = None


_WEBHOOK: JsonDict = {
    "id": "3",
    "spaceId": "1",
    "url": "https://hooks.example.com/signoff",
    "events": ["approval.approved", "approval.rejected"],
    "active": True,
    "createdAt": AT,
    "updatedAt": AT,
}


class WebhookList(Envelope):
    webhooks: list[WebhookOut]
    example: ClassVar[JsonDict | None] = {"success": True, "webhooks": [_WEBHOOK]}


class WebhookOne(Envelope):
    webhook: WebhookOut
    example: ClassVar[JsonDict | None] = {"success": True, "webhook": _WEBHOOK}


class WebhookWithSecret(Envelope):
    webhook: WebhookOut
    secret: str = Field(description="Shown once: keep it to check signatures.")
    example: ClassVar[JsonDict | None] = {
        "success": True,
        "webhook": _WEBHOOK,
        "secret": "whsec_0b7mQx4cS3VqkQk2oPzK9x0Jm1bqV6b7eYwZp3n4tRs",
    }


class DeliveryOut(ApiModel):
    id: IdText
    message_id: str = Field(description="The `X-Signoff-Message-Id` of the delivery.")
    event: str
    attempt: int
    status_code: int | None = None
    duration_ms: int
    error: str | None = None
    at: Moment


class DeliveryLog(Envelope):
    deliveries: list[DeliveryOut]
    next_cursor: str | None = None
    example: ClassVar[JsonDict | None] = {
        "success": True,
        "deliveries": [
            {
                "id": "40",
                "messageId": "5f0c9d1e-2b7a-5c43-9a51-0e6f8f1d2c3b",
                "event": "approval.approved",
                "attempt": 1,
                "statusCode": 204,
                "durationMs": 38,
                "at": AT,
            }
        ],
    }


class EventOut(ApiModel):
    name: str
    description: str


class EventList(Envelope):
    events: list[EventOut]
    example: ClassVar[JsonDict | None] = {
        "success": True,
        "events": [{"name": "approval.approved", "description": "A review ..."}],
    }


# -- shapes: the models built from the read models' values ----------------------


def webhook_out(view: WebhookView) -> WebhookOut:
    """The webhook, with its latest attempt (null before the first)."""
    last = (
        None
        if view.last_at is None
        else LastDeliveryOut(
            at=view.last_at, status_code=view.last_status, error=view.last_error
        )
    )
    return WebhookOut(
        id=view.id,
        space_id=view.space_id,
        url=view.url,
        events=view.events,
        active=view.active,
        created_at=view.created_at,
        updated_at=view.updated_at,
        last_delivery=last,
    )


def delivery_out(view: DeliveryView) -> DeliveryOut:
    return DeliveryOut.of(view)


def delivery_log_page(
    views: Sequence[DeliveryView], next_cursor: str | None
) -> DeliveryLog:
    return DeliveryLog(
        success=True,
        deliveries=[delivery_out(view) for view in views],
        next_cursor=next_cursor,
    )


# -- routes ----------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


def _managed(session: Session, actor: User, webhook_id: int) -> WebhookSubscription:
    """The webhook, if the caller may see its space; refused below admin."""
    webhook = access_webhook(session, actor, webhook_id)
    require_role(session, actor, webhook.space_id, Role.admin, action=MANAGE)
    return webhook


def _one(session: Session, webhook: WebhookSubscription) -> WebhookOne:
    return WebhookOne(success=True, webhook=webhook_out(webhook_view(session, webhook)))


def _with_secret(
    request: Request, session: Session, webhook: WebhookSubscription
) -> WebhookWithSecret:
    secret = webhook_secret(request.app.state.secret_key, webhook.id, webhook.salt)
    return WebhookWithSecret(
        success=True, webhook=webhook_out(webhook_view(session, webhook)), secret=secret
    )


@router.get(
    "/webhooks/events",
    summary="The events a webhook may subscribe to",
    responses=documented(EventList, "Every event, by name.", READ_ERRORS),
)
def get_webhook_events(call: Manager) -> Response:
    def work(_session: Session, _actor: User) -> EventList:
        return EventList(
            success=True,
            events=[
                EventOut(name=name, description=text)
                for name, text in WEBHOOK_EVENTS.items()
            ],
        )

    return call.read(work)


@router.get(
    "/webhooks",
    summary="The webhooks of a space, each with its latest delivery",
    responses=documented(WebhookList, "Every webhook, oldest first.", READ_ERRORS),
)
def get_webhooks(
    call: Manager, space_id: Annotated[ObjectId, Query(alias="spaceId")]
) -> Response:
    def work(session: Session, actor: User) -> WebhookList:
        space = access_space(session, actor, space_id, Role.admin, action=MANAGE)
        views = list_webhooks(session, space.id)
        return WebhookList(success=True, webhooks=[webhook_out(view) for view in views])

    return call.read(work)


@router.post(
    "/webhooks",
    summary="Add a webhook; the answer carries its signing secret, once",
    responses=documented(
        WebhookWithSecret, "The webhook and its secret.", WRITE_ERRORS
    ),
)
def post_webhook(request: Request, body: WebhookCreate, call: Manager) -> Response:
    settings = _settings(request)

    def work(session: Session, actor: User) -> WebhookWithSecret:
        space = access_space(session, actor, body.space_id, Role.admin, action=MANAGE)
        webhook = do_create_webhook(
            session,
            space,
            url=body.url,
            events=body.events,
            allow=settings.webhook_allow_list,
            **call.by(actor),
        )
        return _with_secret(request, session, webhook)

    return call.write(work)


@router.post(
    "/webhooks/update",
    summary="Change a webhook's URL or events, or pause and resume it",
    responses=documented(WebhookOne, "The webhook as it is now.", WRITE_ERRORS),
)
def post_webhook_update(
    request: Request, body: WebhookUpdate, call: Manager
) -> Response:
    settings = _settings(request)

    def work(session: Session, actor: User) -> WebhookOne:
        webhook = _managed(session, actor, body.webhook_id)
        do_update_webhook(
            session,
            webhook,
            url=body.url,
            events=body.events,
            active=body.active,
            allow=settings.webhook_allow_list,
            **call.by(actor),
        )
        return _one(session, webhook)

    return call.write(work)


@router.post(
    "/webhooks/rotate",
    summary="Give a webhook a new signing secret, shown once",
    responses=documented(
        WebhookWithSecret, "The webhook and its new secret.", WRITE_ERRORS
    ),
)
def post_webhook_rotate(request: Request, body: WebhookRef, call: Manager) -> Response:
    def work(session: Session, actor: User) -> WebhookWithSecret:
        webhook = _managed(session, actor, body.webhook_id)
        do_rotate_webhook_secret(session, webhook, **call.by(actor))
        return _with_secret(request, session, webhook)

    return call.write(work)


@router.post(
    "/webhooks/delete",
    summary="Remove a webhook and its delivery log",
    responses=documented(WebhookOne, "The webhook as it was.", WRITE_ERRORS),
)
def post_webhook_delete(body: WebhookRef, call: Manager) -> Response:
    def work(session: Session, actor: User) -> WebhookOne:
        webhook = _managed(session, actor, body.webhook_id)
        shown = _one(session, webhook)
        do_delete_webhook(session, webhook, **call.by(actor))
        return shown

    return call.write(work)


@router.get(
    "/webhooks/deliveries",
    summary="A webhook's delivery attempts, newest first, with status and timing",
    responses=documented(DeliveryLog, "One page of attempts.", READ_ERRORS),
)
def get_webhook_deliveries(
    call: Manager,
    webhook_id: Annotated[ObjectId, Query(alias="webhookId")],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Response:
    def work(session: Session, actor: User) -> DeliveryLog:
        webhook = _managed(session, actor, webhook_id)
        rows, next_cursor = delivery_log(
            session, webhook.id, cursor=cursor, limit=limit
        )
        return delivery_log_page(rows, next_cursor)

    return call.read(work)
