"""The outbox worker: claim due messages, run their handlers, record the outcome.

Three short transactions per batch, none held across a handler's network I/O:
1. claim: due rows become `delivering` with a lease (`available_at = now + lease`);
   on PostgreSQL `FOR UPDATE SKIP LOCKED` lets any number of workers claim side by
   side, on SQLite `BEGIN IMMEDIATE` serialises the claims;
2. the handler runs, outside any transaction;
3. complete: only if this worker still holds the row (same status, lease and
   attempts as it set), mark it delivered and insert its follow-ups, or schedule a
   retry with backoff, or declare it dead.

A worker that dies mid-delivery leaves its rows `delivering`; once the lease passes
another worker claims them again and counts the lost try as an attempt, so a message
that kills its worker every time ends dead instead of looping. Delivery is therefore
at-least-once, and every try carries the message's stable `message_id`.
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
        for done, claim in enumerate(claims):
            stopping = stop is not None and stop.is_set()
            if stopping or self.clock() >= claim.lease_until - self.lease / 2:
                self.release(claims[done:])
                return done
            self.process(claim)
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
        """Run the handler outside any transaction, then record what happened."""
        message = claim.message
        handler = self.handlers.for_kind(message.kind)
        try:
            follow_ups = list(handler(message, self.db))
            for follow in follow_ups:  # refuse now what the database would at commit
                json.dumps(follow.payload)
        except GiveUp as verdict:
            self.fail(claim, verdict.reason, give_up=True)
        except Retry as verdict:
            self.fail(claim, verdict.reason, retry_after=verdict.retry_after)
        except Exception as error:
            logger.exception("outbox %s: handler failed", message.message_id)
            self.fail(claim, describe(error))
        else:
            self.deliver(claim, follow_ups)

    def deliver(self, claim: Claim, follow_ups: Sequence[FollowUp]) -> None:
        now = self.clock()
        values = {
            "status": OutboxStatus.delivered.value,
            "delivered_at": now,
        }
        with self.db.write() as session:
            if not self._complete(session, claim, values):
                return
            self.stats.follow_ups += insert_follow_ups(
                session, claim.message, follow_ups, now=now
            )
        self.stats.delivered += 1

    def fail(
        self,
        claim: Claim,
        reason: str,
        *,
        give_up: bool = False,
        retry_after: float | None = None,
    ) -> None:
        now = self.clock()
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
            "available_at": now + delay,
        }
        with self.db.write() as session:
            if not self._complete(session, claim, values):
                return
        if dead:
            self.stats.dead += 1
            logger.error("outbox %s is dead: %s", claim.message.message_id, reason)
        else:
            self.stats.retried += 1
            logger.warning(
                "outbox %s: attempt %d failed, next in %s: %s",
                claim.message.message_id,
                attempts,
                delay,
                reason,
            )

    def release(self, claims: Iterable[Claim]) -> None:
        """Hand claimed messages back, due now, as if never taken."""
        now = self.clock()
        with self.db.write() as session:
            for claim in claims:
                again = claim.message.attempts > 0
                status = OutboxStatus.retry if again else OutboxStatus.pending
                values = {"status": status.value, "available_at": now}
                if self._complete(session, claim, values):
                    self.stats.released += 1

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
        if result.rowcount == 1:
            return True
        self.stats.lost += 1
        logger.warning(
            "outbox %s: lease lost to another worker; outcome dropped",
            message.message_id,
        )
        return False


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
