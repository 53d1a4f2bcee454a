"""The Confluence poller: a pass over every connected site every
`SIGNOFF_CONFLUENCE_POLL_SECONDS`, in a thread of its own.

A pass can wait on a site's `Retry-After` or read hundreds of pages; in its own
thread it never holds back outbox delivery. A failed pass is logged with the site's
own words (never a credential: errors name the call, not its headers) and the next
one runs on time. `signoff serve` (with its background worker) and `signoff
worker` run one; `worker --once` runs one pass through it. On PostgreSQL the loop's
passes take turns across processes (`single_run`): never two passes at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from signoff.actions.confluence.polling import SiteReach, run_pass
from signoff.config import Settings
from signoff.db.session import Database
from signoff.notify.single_run import Job, single_run

logger = logging.getLogger(__name__)

JOIN_SECONDS = 10.0


def reach_of(settings: Settings, site_key: str) -> SiteReach:
    """How this process reaches sites: the site key and `SIGNOFF_CONFLUENCE_ALLOW`."""
    return SiteReach(site_key, settings.confluence_allow_list)


@dataclass
class ConfluencePoller:
    """Runs `run_pass(..., patient=True)` every `every` seconds until `stop` is
    set; `passes` counts the passes that finished. What a pass queues for
    Confluence (comments, the approval property) leaves through the outbox, whose
    worker delivers it: the poller itself only reads the sites."""

    db: Database
    settings: Settings
    site_key: str
    clock: Callable[[], datetime]
    every: float
    passes: int = 0
    skipped: int = 0
    """Loop passes left to another process that was polling."""
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def run_once(self) -> dict[str, int | float] | None:
        """One pass, as `PassReport.counts()`; a failure is logged, never raised
        (None)."""
        try:
            report = run_pass(
                self.db,
                reach_of(self.settings, self.site_key),
                clock=self.clock,
                patient=True,
            )
        except Exception as error:  # the loop must go on whatever one pass met
            logger.error("Confluence pass failed: %s: %s", type(error).__name__, error)
            counts = None
        else:
            for problem in report.errors:
                logger.warning("Confluence pass: %s", problem)
            counts = report.counts()
        self.passes += 1  # last: a test that waits for it also sees the log
        return counts

    def run_turn(self) -> dict[str, int | float] | None:
        """The loop's pass: `run_once`, unless another process is polling right now
        (then None, and `skipped` counts it)."""
        with single_run(self.db, Job.confluence_poller) as mine:
            if not mine:
                self.skipped += 1
                return None
            return self.run_once()

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.run_turn()
            stop.wait(self.every)

    def start(self) -> ConfluencePoller:
        self._thread = threading.Thread(
            target=self.run_forever,
            args=(self._stop,),
            name="signoff-confluence",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the loop to end and wait a little for the pass in flight."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
