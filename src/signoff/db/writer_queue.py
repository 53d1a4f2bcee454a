"""A first-come-first-served line in front of SQLite's write lock, one per engine.

SQLite's busy handler polls with growing sleeps, so under load a newcomer often takes
the lock before a writer that has waited for seconds. Writers of one process therefore
queue here, in arrival order, before `BEGIN IMMEDIATE`; the busy handler is left to
arbitrate only between processes. PostgreSQL needs no line: its writers lock rows,
not the database, and wait on those locks in order.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueStats:
    """What the line has cost so far: `waits` turns had to wait, in total
    `wait_seconds`; `entries` counts every turn taken, waited for or not."""

    entries: int
    waits: int
    wait_seconds: float


@dataclass
class _Waiter:
    ticket: int
    thread: int
    granted: threading.Event


class WriterQueue:
    """One turn at a time, handed to the longest waiter when the holder gives it back.

    Re-entrant per thread: a thread that already holds the turn and opens another
    write (say, a nested session) takes it again at once instead of waiting for
    itself forever; its second `BEGIN IMMEDIATE` then meets SQLite's lock exactly as
    it did before there was a line. The turn may be given back from another thread
    than the one that took it (a session may be closed elsewhere); the depth counts
    turns, not threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._line: deque[_Waiter] = deque()
        self._holder: int | None = None  # thread ident
        self._ticket: int | None = None  # the holder's arrival number
        self._depth = 0
        self._arrivals = 0
        self._entries = 0
        self._waits = 0
        self._wait_seconds = 0.0

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait for the turn in arrival order; False if `timeout` seconds pass first
        (the caller has then left the line and holds nothing)."""
        me = threading.get_ident()
        with self._lock:
            if self._holder == me:
                self._depth += 1
                return True
            ticket = self._arrivals
            self._arrivals += 1
            if self._holder is None and not self._line:
                self._enter(me, ticket)
                return True
            waiter = _Waiter(ticket, me, threading.Event())
            self._line.append(waiter)
        started = time.monotonic()
        waiter.granted.wait(timeout)
        with self._lock:
            self._waits += 1
            self._wait_seconds += time.monotonic() - started
            if waiter.granted.is_set():  # handed over, perhaps just as time ran out
                return True
            self._line.remove(waiter)
            return False

    def release(self) -> None:
        """Give one turn back; the last one hands the queue to the next in line."""
        with self._lock:
            if self._depth == 0:
                raise RuntimeError("the writer queue was released more than taken")
            self._depth -= 1
            if self._depth > 0:
                return
            self._holder = self._ticket = None
            if self._line:
                waiter = self._line.popleft()
                # Handed over under the lock: no newcomer can slip in before it wakes.
                self._enter(waiter.thread, waiter.ticket)
                waiter.granted.set()

    def _enter(self, thread: int, ticket: int) -> None:
        self._holder, self._ticket, self._depth = thread, ticket, 1
        self._entries += 1

    @property
    def ticket(self) -> int | None:
        """The arrival number of the turn being served (None when free): numbers
        count arrivals from 0, so in-order service reads 0, 1, 2, ..."""
        return self._ticket

    @property
    def busy(self) -> bool:
        return self._holder is not None

    @property
    def waiting(self) -> int:
        """How many writers are in line behind the holder."""
        return len(self._line)

    def stats(self) -> QueueStats:
        with self._lock:
            return QueueStats(self._entries, self._waits, self._wait_seconds)


class QueuedConnection(sqlite3.Connection):
    """A driver connection that gives its turn back the moment its transaction ends.

    The turn is returned after `COMMIT` or `ROLLBACK` has run, not before (SQLAlchemy's
    own commit event fires before the statement), so the next writer never meets a
    lock that is still being flushed; `close()` returns it too, so a connection
    dropped mid-transaction cannot keep the line waiting.
    """

    writer_queue: WriterQueue | None = None
    holds_turn: bool = False

    def take_turn(self, timeout: float) -> bool:
        if self.holds_turn or self.writer_queue is None:
            return True
        self.holds_turn = self.writer_queue.acquire(timeout)
        return self.holds_turn

    def give_turn_back(self) -> None:
        if self.holds_turn and self.writer_queue is not None:
            self.holds_turn = False
            self.writer_queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn_back()
