"""The outbox worker: claim due messages, run their handlers, record the outcomes.

Two short transactions per batch, none held across a handler's network I/O:
1. claim: due rows become `delivering` with a lease (`available_at = now + lease`);
   on PostgreSQL `FOR UPDATE SKIP LOCKED` lets any number of workers claim side by
   side, on SQLite `BEGIN IMMEDIATE` serialises the claims;
2. the handlers run, one message after the other, outside any transaction;
3. settle: one transaction records every outcome of the batch, each only if this
   worker still holds the row (same status, lease and attempts as it set): mark it
   delivered and insert its follow-ups, or schedule a retry with backoff, or
   declare it dead. Each outcome is written under a savepoint, so one the database
   refuses becomes a retry of that message alone. A batch settles early, handing
   its untried rest back, when asked to stop or when half its lease is gone.

A worker that dies mid-batch leaves its rows `delivering`, delivered or not; once
the lease passes another worker claims them again and counts the lost try as an
attempt, so a message that kills its worker every time ends dead instead of
looping. Delivery is therefore at-least-once, and every try carries the message's
stable `message_id`.
"""

from __future__ import annotations

import json
import logging
import random as random_module
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from signoff.actions.unit import utcnow
from signoff.db.models import OutboxMessage
from signoff.db.session import Database
from signoff.notify.backoff import retry_delay
from signoff.notify.handlers import (
    FollowUp,
    GiveUp,
    Handler,
    Handlers,
    Message,
    Retry,
)
from signoff.notify.outbox_rows import OutboxStatus

__all__ = [
    "FollowUp",
    "GiveUp",
    "Handler",
    "Handlers",
    "Message",
    "OutboxWorker",
    "Retry",
    "WorkerStats",
]

logger = logging.getLogger(__name__)

DUE = (OutboxStatus.pending.value, OutboxStatus.retry.value)
LEASE_LOST = "lease expired: the worker stopped or stalled mid-delivery"
ERROR_CHARS = 300
LOOKUP_CHUNK = 500  # follow-up ids per existence query, well under bind limits
MAX_DB_PAUSE = 30.0  # seconds between tries while the database is unreachable


@dataclass(frozen=True)
class Claim:
    """A message this worker holds until `lease_until`, with `attempts` as claimed."""

    message: Message
    lease_until: datetime


@dataclass(frozen=True)
class Outcome:
    """What a handler's run comes to, to be recorded when its batch settles:
    the row's new `values`, the follow-ups of a delivery, the reason of a failure."""

    claim: Claim
    values: dict[str, Any]
    follow_ups: Sequence[FollowUp] = ()
    reason: str | None = None
    delay: timedelta = timedelta(0)


@dataclass
class WorkerStats:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    abandoned: int = 0  # dead at claim time: lease lost once too often
    lost: int = 0  # completions dropped: another worker had taken the row over
    released: int = 0  # claimed but handed back unprocessed (stop, or lease short)
    follow_ups: int = 0

    @property
    def processed(self) -> int:
        """Messages whose handler ran and whose outcome was settled or dropped."""
        return self.delivered + self.retried + self.dead + self.lost


@dataclass
class OutboxWorker:
    """Delivers outbox messages through `handlers`; see the module docstring."""

    db: Database
    handlers: Handlers
    _: KW_ONLY
    clock: Callable[[], datetime] = utcnow
    lease: timedelta = timedelta(minutes=2)
    batch: int = 20
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)
    random: Callable[[], float] = random_module.random
    between: Callable[[], object] | None = None
    """Called between batches by `run_forever`: the sweeper's hook (expiry,
    reminders), so one loop does all the background work."""
    kinds: Collection[str] | None = None
    """Claim only messages of these kinds (None: every kind), for a run that
    delivers one channel now, e.g. `signoff confluence sync`'s writes back."""
    spaces: Collection[int] | None = None
    """Claim only messages of these spaces (None: any space, or none)."""
    stats: WorkerStats = field(default_factory=WorkerStats, init=False)

    def __post_init__(self) -> None:
        if self.batch < 1 or self.max_attempts < 1:
            raise ValueError("batch and max_attempts must be at least 1")
        if self.lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        if self.kinds is not None and not self.kinds:
            raise ValueError("kinds, when given, must name at least one kind")

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim one batch and process it; returns how many messages were processed.

        With `stop` set, or with half the lease gone, the rest of the batch is handed
        back at once rather than left to wait for the lease to expire.
        """
        claims = self.claim()
        outcomes: list[Outcome] = []
        for done, claim in enumerate(claims):
            stopping = stop is not None and stop.is_set()
            if stopping or self.clock() >= claim.lease_until - self.lease / 2:
                self.settle(outcomes, handed_back=claims[done:])
                return done
            outcomes.append(self.attempt(claim))
        self.settle(outcomes)
        return len(claims)

    def run_forever(self, stop: threading.Event, idle_sleep: float = 1.0) -> None:
        """Process batches until `stop` is set; the current message is finished first.

        A database outage pauses the loop (longer each time) instead of ending it.
        """
        outages = 0
        while not stop.is_set():
            try:
                if self.between is not None:
                    self.between()
                processed = self.run_once(stop)
            except SQLAlchemyError:
                outages += 1
                logger.exception("outbox worker: database error, pausing")
                stop.wait(min(idle_sleep * 2**outages, MAX_DB_PAUSE))
                continue
            outages = 0
            if processed == 0:
                stop.wait(idle_sleep)

    def claim(self) -> list[Claim]:
        now = self.clock()
        lease_until = now + self.lease
        due = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_((*DUE, OutboxStatus.delivering.value)),
                OutboxMessage.available_at <= now,
            )
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        if self.kinds is not None:
            due = due.where(OutboxMessage.kind.in_(sorted(self.kinds)))
        if self.spaces is not None:
            due = due.where(OutboxMessage.space_id.in_(sorted(self.spaces)))
        with self.db.write() as session:
            taken = [self._take(row, lease_until) for row in session.scalars(due)]
        return [claim for claim in taken if claim is not None]

    def _take(self, row: OutboxMessage, lease_until: datetime) -> Claim | None:
        if row.status == OutboxStatus.delivering.value:
            # Its worker died or stalled: that try counts as a failed one.
            row.attempts += 1
            row.last_error = LEASE_LOST
            if row.attempts >= self.max_attempts:
                row.status = OutboxStatus.dead.value
                self.stats.abandoned += 1
                logger.error("outbox %s is dead: %s", row.message_id, LEASE_LOST)
                return None
        row.status = OutboxStatus.delivering.value
        row.available_at = lease_until
        return Claim(snapshot(row), lease_until)

    def process(self, claim: Claim) -> None:
        """One message on its own: its handler, then its outcome recorded."""
        self.settle([self.attempt(claim)])

    def attempt(self, claim: Claim) -> Outcome:
        """Run the handler outside any transaction; what should be recorded."""
        message = claim.message
        handler = self.handlers.for_kind(message.kind)
        try:
            follow_ups = list(handler(message, self.db))
            for follow in follow_ups:  # refuse now what the database would at commit
                json.dumps(follow.payload)
        except GiveUp as verdict:
            return self.failed(claim, verdict.reason, give_up=True)
        except Retry as verdict:
            return self.failed(claim, verdict.reason, retry_after=verdict.retry_after)
        except Exception as error:
            logger.exception("outbox %s: handler failed", message.message_id)
            return self.failed(claim, describe(error))
        values = {"status": OutboxStatus.delivered.value, "delivered_at": self.clock()}
        return Outcome(claim, values, follow_ups)

    def failed(
        self,
        claim: Claim,
        reason: str,
        *,
        give_up: bool = False,
        retry_after: float | None = None,
    ) -> Outcome:
        attempts = claim.message.attempts + 1
        dead = give_up or attempts >= self.max_attempts
        delay = timedelta(0)
        if not dead:
            delay = retry_delay(
                attempts,
                base=self.base_delay,
                cap=self.max_delay,
                random=self.random,
                retry_after=retry_after,
            )
        values = {
            "status": (OutboxStatus.dead if dead else OutboxStatus.retry).value,
            "attempts": attempts,
            "last_error": short(reason),
            "available_at": self.clock() + delay,
        }
        return Outcome(claim, values, reason=reason, delay=delay)

    def settle(
        self, outcomes: Sequence[Outcome], handed_back: Sequence[Claim] = ()
    ) -> None:
        """Record `outcomes` and hand `handed_back` back, in one transaction; the
        counters and the log follow only once it has committed."""
        if not outcomes and not handed_back:
            return
        recorded: list[tuple[Outcome, int]] = []  # with the follow-ups inserted
        lost: list[Claim] = []
        released = 0
        with self.db.write() as session:
            for outcome in outcomes:
                kept = self._record(session, outcome)
                if kept is None:
                    lost.append(outcome.claim)
                else:
                    recorded.append(kept)
            for claim in handed_back:
                again = claim.message.attempts > 0
                status = OutboxStatus.retry if again else OutboxStatus.pending
                values = {"status": status.value, "available_at": self.clock()}
                if self._complete(session, claim, values):
                    released += 1
                else:
                    lost.append(claim)
        self.stats.released += released
        for claim in lost:
            self._count_lost(claim)
        for outcome, inserted in recorded:
            self._count(outcome, inserted)

    def release(self, claims: Iterable[Claim]) -> None:
        """Hand claimed messages back, due now, as if never taken."""
        self.settle((), handed_back=list(claims))

    def _record(self, session: Session, outcome: Outcome) -> tuple[Outcome, int] | None:
        """Write one outcome under a savepoint; None if another worker holds the row.

        A refusal by the database (say, a follow-up it will not store) rolls back
        this message's savepoint only and records a retry for it instead.
        """
        claim = outcome.claim
        try:
            with session.begin_nested():
                if not self._complete(session, claim, outcome.values):
                    return None
                inserted = insert_follow_ups(
                    session, claim.message, outcome.follow_ups, now=self.clock()
                )
        except SQLAlchemyError as error:
            logger.exception("outbox %s: outcome refused", claim.message.message_id)
            outcome = self.failed(claim, describe(error))
            with session.begin_nested():
                if not self._complete(session, claim, outcome.values):
                    return None
            inserted = 0
        return outcome, inserted

    def _count(self, outcome: Outcome, inserted: int) -> None:
        status, message = outcome.values["status"], outcome.claim.message
        if status == OutboxStatus.delivered.value:
            self.stats.delivered += 1
            self.stats.follow_ups += inserted
        elif status == OutboxStatus.dead.value:
            self.stats.dead += 1
            logger.error("outbox %s is dead: %s", message.message_id, outcome.reason)
        else:
            self.stats.retried += 1
            logger.warning(
                "outbox %s: attempt %d failed, next in %s: %s",
                message.message_id,
                outcome.values["attempts"],
                outcome.delay,
                outcome.reason,
            )

    def _count_lost(self, claim: Claim) -> None:
        self.stats.lost += 1
        logger.warning(
            "outbox %s: lease lost to another worker; outcome dropped",
            claim.message.message_id,
        )

    def _complete(self, session: Session, claim: Claim, values: dict[str, Any]) -> bool:
        """Apply `values` only to a row this worker still holds; False if it lost it."""
        message = claim.message
        held = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.status == OutboxStatus.delivering.value,
                OutboxMessage.available_at == claim.lease_until,
                OutboxMessage.attempts == message.attempts,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = cast("CursorResult[Any]", session.execute(held))
        return result.rowcount == 1


def snapshot(row: OutboxMessage) -> Message:
    return Message(
        id=row.id,
        message_id=row.message_id,
        kind=row.kind,
        space_id=row.space_id,
        payload=dict(row.payload),
        attempts=row.attempts,
        created_at=row.created_at,
    )


def insert_follow_ups(
    session: Session, parent: Message, follow_ups: Sequence[FollowUp], *, now: datetime
) -> int:
    """Enqueue follow-ups under ids derived from the parent; skip ids already there.

    A handler run again after a crash computes the same ids, so it never fans out
    twice. Returns how many rows were inserted.
    """
    wanted: dict[str, FollowUp] = {}
    for follow in follow_ups:  # the first of equal keys wins
        wanted.setdefault(follow.message_id_for(parent.message_id), follow)
    ids = list(wanted)
    existing: set[str] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        existing.update(
            session.scalars(
                select(OutboxMessage.message_id).where(
                    OutboxMessage.message_id.in_(chunk)
                )
            )
        )
    for message_id, follow in wanted.items():
        if message_id in existing:
            continue
        session.add(
            OutboxMessage(
                message_id=message_id,
                kind=follow.kind,
                space_id=follow.space_id,
                payload=follow.payload,
                status=OutboxStatus.pending.value,
                attempts=0,
                available_at=now,
                created_at=now,
            )
        )
    return len(wanted) - len(existing)


def describe(error: BaseException) -> str:
    """An unexpected error as `Type: first line`; the traceback goes to the log."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def short(reason: str) -> str:
    """One line, capped: `last_error` is shown in tables and must not leak a dump."""
    lines = reason.strip().splitlines()
    first = lines[0] if lines else "failed"
    return first if len(first) <= ERROR_CHARS else first[: ERROR_CHARS - 1] + "…"
