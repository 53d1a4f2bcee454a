"""Webhook subscriptions of a space, managed by its admins.

A URL is checked against the outbound policy when it is registered (and again at
every delivery): only http(s), no address of the server's own networks unless the
site's allow list names it. The check resolves the name, so it runs inside this
short, admin-only transaction; the audit trail records the host, never the query
string, which may carry a receiver's token.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.db.models import Space, User, WebhookSubscription
from signoff.domain.errors import BadInput
from signoff.domain.events import check_event_selection
from signoff.domain.states import Role
from signoff.outbound.secrets import new_salt
from signoff.outbound.url_policy import AllowList, Resolver, check_webhook_url

MAX_PER_SPACE = 25
MANAGE = "manage webhooks"


def _require_admin(session: Session, actor: User | None, space_id: int) -> None:
    """Space admins pass; so does the operator at the console (`None`), who holds
    the database already."""
    if actor is not None:
        require_role(session, actor, space_id, Role.admin, action=MANAGE)


def _name(actor: User | None) -> str:
    return actor.display_name if actor is not None else "The site operator"


def _shown(url: str) -> str:
    """The URL without its query: what the audit trail may keep."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _checked_url(url: str, allow: AllowList, resolver: Resolver | None) -> str:
    if not isinstance(url, str) or not url.strip():
        raise BadInput("url is required.", field="url")
    if len(url) > 2000:
        raise BadInput("url is longer than 2000 characters.", field="url")
    if resolver is None:
        return check_webhook_url(url.strip(), allow=allow)
    return check_webhook_url(url.strip(), allow=allow, resolver=resolver)


def do_create_webhook(
    session: Session,
    space: Space,
    *,
    url: str,
    events: Sequence[str],
    allow: AllowList,
    resolver: Resolver | None = None,
    by: Acting[User | None],
) -> WebhookSubscription:
    _require_admin(session, by.actor, space.id)
    chosen = check_event_selection(list(events))
    checked = _checked_url(url, allow, resolver)
    count = session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(WebhookSubscription.space_id == space.id)
    )
    if (count or 0) >= MAX_PER_SPACE:
        raise BadInput(f"A space has at most {MAX_PER_SPACE} webhooks.", field="url")
    webhook = WebhookSubscription(
        space_id=space.id,
        url=checked,
        events=chosen,
        salt=new_salt(),
        is_active=True,
        created_at=by.now,
        created_by=by.actor.id if by.actor else None,
        updated_at=by.now,
    )
    session.add(webhook)
    session.flush()
    record_event(
        session,
        "webhook.created",
        f"{_name(by.actor)} added a webhook to {_shown(checked)}.",
        by=by,
        space_id=space.id,
        details={"webhookId": webhook.id, "url": _shown(checked), "events": chosen},
    )
    return webhook


def do_update_webhook(
    session: Session,
    webhook: WebhookSubscription,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
    allow: AllowList,
    resolver: Resolver | None = None,
    by: Acting[User | None],
) -> WebhookSubscription:
    """Change what is given: the URL (checked again), the events, paused or not."""
    _require_admin(session, by.actor, webhook.space_id)
    changed: list[str] = []
    if events is not None:
        chosen = check_event_selection(list(events))
        if chosen != webhook.events:
            webhook.events, changed = chosen, [*changed, "events"]
    if url is not None:
        checked = _checked_url(url, allow, resolver)
        if checked != webhook.url:
            webhook.url, changed = checked, [*changed, "url"]
    if active is not None and active != webhook.is_active:
        webhook.is_active, changed = active, [*changed, "active"]
    if not changed:
        return webhook
    webhook.updated_at = by.now
    session.flush()
    record_event(
        session,
        "webhook.updated",
        f"{_name(by.actor)} changed the webhook to {_shown(webhook.url)}"
        + ("" if webhook.is_active else " (paused)")
        + ".",
        by=by,
        space_id=webhook.space_id,
        details={"webhookId": webhook.id, "changed": changed},
    )
    return webhook


def do_rotate_webhook_secret(
    session: Session,
    webhook: WebhookSubscription,
    *,
    by: Acting[User | None],
) -> WebhookSubscription:
    """A new secret from now on; deliveries already queued are signed with it too."""
    _require_admin(session, by.actor, webhook.space_id)
    webhook.salt = new_salt()
    webhook.updated_at = by.now
    session.flush()
    record_event(
        session,
        "webhook.secret_rotated",
        f"{_name(by.actor)} rotated the secret of the webhook to "
        f"{_shown(webhook.url)}.",
        by=by,
        space_id=webhook.space_id,
        details={"webhookId": webhook.id},
    )
    return webhook


def do_delete_webhook(
    session: Session,
    webhook: WebhookSubscription,
    *,
    by: Acting[User | None],
) -> None:
    """Remove it with its delivery log; queued deliveries to it are dropped."""
    _require_admin(session, by.actor, webhook.space_id)
    record_event(
        session,
        "webhook.deleted",
        f"{_name(by.actor)} removed the webhook to {_shown(webhook.url)}.",
        by=by,
        space_id=webhook.space_id,
        details={"webhookId": webhook.id, "url": _shown(webhook.url)},
    )
    session.delete(webhook)
    session.flush()
