"""The notification channels a worker delivers through, built from the settings.

Every event first fans out (one message per receiver) and each receiver's message is
then delivered by its channel. `signoff worker` and the worker that `signoff serve`
runs in the background both use `channel_handlers`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from signoff.config import Settings
from signoff.notify.handlers import Handlers
from signoff.notify.webhooks import DELIVERY_KIND, WebhookSender, fan_out_webhooks


def channel_handlers(
    settings: Settings, *, site_key: str, clock: Callable[[], datetime]
) -> Handlers:
    webhooks = WebhookSender(
        site_key=site_key, allow=settings.webhook_allow_list, clock=clock
    )
    return Handlers({DELIVERY_KIND: webhooks}, fallback=fan_out_webhooks)
