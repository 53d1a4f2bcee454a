"""A handler factory for `signoff worker --handlers worker.receiver_handlers:handlers`.

It POSTs each message to `SIGNOFF_TEST_RECEIVER` with its id in
`X-Signoff-Message-Id`; with `SIGNOFF_TEST_BLOCK=1` it then hangs, so the test can
kill the worker mid-delivery.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import httpx

from signoff.db.session import Database
from signoff.notify.handlers import FollowUp, Handlers, Message
from signoff.notify.signing import MESSAGE_ID_HEADER

KIND = "test.event"


def handlers() -> Handlers:
    receiver = os.environ["SIGNOFF_TEST_RECEIVER"]
    block = os.environ.get("SIGNOFF_TEST_BLOCK") == "1"

    def post(message: Message, _db: Database) -> Sequence[FollowUp]:
        response = httpx.post(
            receiver,
            json=message.payload,
            headers={MESSAGE_ID_HEADER: message.message_id},
            timeout=5,
        )
        response.raise_for_status()
        if block:
            time.sleep(600)  # killed here: the receiver has it, the outbox does not
        return ()

    return Handlers({KIND: post})
