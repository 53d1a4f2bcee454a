"""Checkpoints off the request path: a thread copies the WAL back into the database.

SQLite's auto-checkpoint runs inside whichever commit pushes the WAL past 1,000
pages, so that one request pays 10-100 ms for everybody's writes. While a
`Checkpointer` runs, its engine's connections have auto-checkpoint off and this
thread checkpoints instead; processes without one (CLI commands, tests) keep it on.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPICursor

from signoff.db.writer_queue import WriterQueue

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
RESTART_PAGES = 10_000  # about 40 MB of WAL: reset it even under load
RESET_BUSY_MS = 100  # how long a reset waits for readers before trying next time
JOIN_SECONDS = 30.0


@dataclass(frozen=True)
class WalState:
    """One `PRAGMA wal_checkpoint` answer: pages in the WAL and pages copied back."""

    busy: bool
    wal_pages: int
    checkpointed: int


class Checkpointer:
    """Every `interval` seconds a PASSIVE checkpoint, which copies what the WAL gained
    since the last one without waiting for anybody (nothing new costs nothing).

    A PASSIVE checkpoint cannot rewind the WAL while readers still use it, so under
    steady load the file would only grow. Two resets bound it: when a tick finds no
    new page since the previous one (idle), a TRUNCATE empties the file; when the
    WAL holds `restart_pages` or more, a RESTART rewinds it. Both hold the writer
    queue's turn, so no writer of this process waits behind them in SQLite's busy
    handler, and wait for readers `RESET_BUSY_MS` at most, trying again next tick.
    """

    def __init__(
        self,
        engine: Engine,
        queue: WriterQueue,
        *,
        busy_timeout_ms: int,
        interval: float = INTERVAL_SECONDS,
        restart_pages: int = RESTART_PAGES,
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.busy_timeout_ms = busy_timeout_ms
        self.interval = interval
        self.restart_pages = restart_pages
        self.resets = 0
        self._last_pages = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="signoff-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a failed tick is retried next time; never die
                log.exception("checkpoint failed; trying again in %s s", self.interval)

    def tick(self) -> WalState:
        """One round: copy back, then reset the WAL when idle or too large."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            state = wal_checkpoint(cursor, "PASSIVE")
            idle = state.wal_pages == self._last_pages
            done = state.checkpointed == state.wal_pages
            if state.wal_pages > 0 and ((idle and done) or self._too_large(state)):
                state = self._reset(cursor, "TRUNCATE" if idle else "RESTART", idle)
            self._last_pages = state.wal_pages
            cursor.close()
            return state
        finally:
            raw.close()

    def _too_large(self, state: WalState) -> bool:
        return state.wal_pages >= self.restart_pages

    def _reset(self, cursor: DBAPICursor, mode: str, idle: bool) -> WalState:
        # Idle: only if nobody is writing right now. Large: wait in line like a writer.
        timeout = 0.0 if idle else self.busy_timeout_ms / 1000
        if not self.queue.acquire(timeout):
            return wal_checkpoint(cursor, "PASSIVE")
        try:
            execute(cursor, f"PRAGMA busy_timeout={RESET_BUSY_MS}")
            try:
                state = wal_checkpoint(cursor, mode)
            finally:
                execute(cursor, f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        finally:
            self.queue.release()
        if not state.busy:
            self.resets += 1
        return state


def wal_checkpoint(cursor: DBAPICursor, mode: str) -> WalState:
    busy, pages, copied = execute(cursor, f"PRAGMA wal_checkpoint({mode})")
    return WalState(bool(busy), int(pages), int(copied))


def execute(cursor: DBAPICursor, sql: str) -> tuple[int, ...]:
    """A statement on a driver cursor; its first row (the pragmas answer one)."""
    cursor.execute(sql)
    row = cursor.fetchone()
    return tuple(row) if row is not None else ()
