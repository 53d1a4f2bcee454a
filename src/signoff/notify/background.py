"""The outbox worker as a thread of the web server, for single-machine sites, with
the Confluence poller beside it in a thread of its own.

`signoff serve` runs one (set `SIGNOFF_RUN_WORKER`); larger sites run `signoff
worker` processes instead. The thread finishes its current message on shutdown.
"""

from __future__ import annotations

import threading

from signoff.actions.unit import utcnow
from signoff.config import Settings
from signoff.db.session import Database
from signoff.notify.channels import channel_handlers
from signoff.notify.poller import ConfluencePoller
from signoff.notify.sweeper import Sweeper
from signoff.notify.worker import OutboxWorker

JOIN_SECONDS = 30.0


class BackgroundWorker:
    def __init__(self, settings: Settings, db: Database, *, site_key: str) -> None:
        self.sweeper = Sweeper(db, utcnow)
        self.worker = OutboxWorker(
            db,
            channel_handlers(settings, site_key=site_key, clock=utcnow),
            between=self.sweeper.maybe_sweep,
        )
        self.poller = ConfluencePoller(
            db, settings, site_key, utcnow, settings.confluence_poll_seconds
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self.worker.run_forever,
            args=(self._stop,),
            name="signoff-outbox",
            daemon=True,
        )

    def start(self) -> BackgroundWorker:
        self._thread.start()
        self.poller.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.poller.stop()
        self._thread.join(JOIN_SECONDS)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
