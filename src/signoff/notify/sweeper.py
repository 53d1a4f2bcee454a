"""The time-driven part of the background work: expire lapsed approvals, send
step reminders and open periodic re-reviews (`actions.rereviews`), at most once a
minute, from the outbox worker's loop.

Each item is its own short transaction (`actions.schedule`), so two workers sweeping
at once only ever do each item once, and a failure leaves the rest to the next sweep.
On PostgreSQL the loop's sweep also waits its turn (`single_run`): with N processes
one sweeps and the others skip, rather than all listing and locking the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from signoff.actions.acting import Acting
from signoff.actions.rereviews import (
    do_open_rereview,
    do_remind_rereview,
    due_rereview_reminders,
    due_rereviews,
)
from signoff.actions.schedule import (
    do_expire_approval,
    do_remind_step,
    due_expiries,
    due_reminders,
)
from signoff.actions.unit import unit_of_work
from signoff.db.session import Database
from signoff.domain.states import Origin
from signoff.notify.single_run import Job, single_run

logger = logging.getLogger(__name__)


@dataclass
class Sweeper:
    db: Database
    clock: Callable[[], datetime]
    every: timedelta = timedelta(minutes=1)
    batch: int = 100
    sweeps: int = 0
    """Sweeps this process ran from its loop."""
    skipped: int = 0
    """Loop sweeps left to another process that was sweeping."""
    _next: datetime | None = field(default=None, init=False)

    def maybe_sweep(self) -> None:
        """Sweep if the last sweep is `every` ago (the worker calls this often), and
        no other process is sweeping now."""
        now = self.clock()
        if self._next is not None and now < self._next:
            return
        self._next = now + self.every
        with single_run(self.db, Job.sweeper) as mine:
            if not mine:
                self.skipped += 1
                return
            self.sweep()
            self.sweeps += 1

    def sweep(self) -> tuple[int, int]:
        """Expire what lapsed and remind who is due, then the periodic re-reviews
        (`sweep_rereviews`); returns (expired, step reminders sent)."""
        now = self.clock()
        with self.db.read() as session:
            expiring = due_expiries(session, now, limit=self.batch)
            reminding = due_reminders(session, now, limit=self.batch)
        expired = sum(self._one(do_expire_approval, i, now) for i in expiring)
        reminded = sum(self._one(do_remind_step, i, now) for i in reminding)
        self.sweep_rereviews(now)
        return expired, reminded

    def sweep_rereviews(self, now: datetime) -> tuple[int, int]:
        """Remind owners of re-reviews coming up and open those due; returns
        (reminded, opened)."""
        with self.db.read() as session:
            reminding = due_rereview_reminders(session, now, limit=self.batch)
            opening = due_rereviews(session, now, limit=self.batch)
        reminded = sum(self._one(do_remind_rereview, i, now) for i in reminding)
        opened = sum(self._one(do_open_rereview, i, now) for i in opening)
        return reminded, opened

    def _one(self, act: Callable[..., object], ident: int, now: datetime) -> int:
        try:
            with unit_of_work(self.db, origin=Origin.system) as session:
                return 1 if act(session, ident, by=Acting.system(now)) else 0
        except SQLAlchemyError:
            logger.exception("sweeper: %s(%s) failed; next sweep retries", act, ident)
            return 0
