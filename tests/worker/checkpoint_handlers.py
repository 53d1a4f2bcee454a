"""A handler factory for `signoff worker --handlers
worker.checkpoint_handlers:handlers`.

Its handler writes to `SIGNOFF_TEST_REPORT` whether the worker's database has its
checkpoint thread running and what auto-checkpoint a write connection has, then
asks its own process to stop, as SIGTERM from an operator would.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text

from signoff.db.session import Database
from signoff.notify.handlers import FollowUp, Handlers, Message

KIND = "test.event"


def handlers() -> Handlers:
    report = Path(os.environ["SIGNOFF_TEST_REPORT"])

    def look(message: Message, db: Database) -> Sequence[FollowUp]:
        with db.write() as session:
            pages = session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
        running = db.checkpointer is not None and db.checkpointer.running
        report.write_text(json.dumps({"running": running, "autocheckpoint": pages}))
        os.kill(os.getpid(), signal.SIGTERM)
        return ()

    return Handlers({KIND: look})
