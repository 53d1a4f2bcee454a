"""The notification channels a worker delivers through, built from the settings.

Every event first fans out (one message per receiver: each webhook subscription,
each person to email, the Confluence page a review event happened to) and each
receiver's message is then delivered by its channel.
`signoff worker` and the worker that `signoff serve` runs in the background both use
`channel_handlers`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from signoff.config import Settings
from signoff.notify.confluence_fan_out import WRITE_KIND, fan_out_confluence
from signoff.notify.confluence_writes import ConfluenceWriter
from signoff.notify.email import SEND_KIND, email_handlers
from signoff.notify.handlers import Handlers, all_of
from signoff.notify.webhooks import DELIVERY_KIND, WebhookSender, fan_out_webhooks


def channel_handlers(
    settings: Settings, *, site_key: str, clock: Callable[[], datetime]
) -> Handlers:
    webhooks = WebhookSender(
        site_key=site_key, allow=settings.webhook_allow_list, clock=clock
    )
    email_fan_out, email_sender = email_handlers(settings, clock)
    confluence = ConfluenceWriter(settings, site_key=site_key, clock=clock)
    return Handlers(
        {DELIVERY_KIND: webhooks, SEND_KIND: email_sender, WRITE_KIND: confluence},
        fallback=all_of(fan_out_webhooks, email_fan_out, fan_out_confluence),
    )
