"""One pace per Confluence site: nothing is sent before the site's `Retry-After`.

Every caller in a process that talks to a site goes through that site's `SiteGate`
(`gate_for`), so a 429 seen by one worker thread holds back all of them; the hold is
also stored with the site, so another process starts its pass by adopting it
(`hold_until`). Short holds are waited out; a long one (the hourly quota) ends the
pass with `RateLimited` instead of parking a thread for half an hour. Failures
without `Retry-After` back off exponentially with jitter, as Atlassian advises:
from 5 s, doubling, at most 30 s, at most 4 retries.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BACKOFF_START = 5.0
BACKOFF_CAP = 30.0
MAX_RETRIES = 4
LONGEST_WAIT = 60.0  # seconds a pass waits out a hold; longer ends the pass


class RateLimited(Exception):
    """The site asked for a pause longer than a pass waits: try again after `until`."""

    def __init__(self, until: float) -> None:
        super().__init__(
            "the site asked to wait until "
            + datetime.fromtimestamp(until, UTC).isoformat().replace("+00:00", "Z")
        )
        self.until = until


class SiteGate:
    """When the next call to one site may go; thread-safe."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        longest_wait: float = LONGEST_WAIT,
        backoff_start: float = BACKOFF_START,
    ) -> None:
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._clock, self._sleep, self._jitter = clock, sleep, jitter
        self.longest_wait = longest_wait
        self.backoff_start = backoff_start
        self.waited = 0.0
        """Seconds spent waiting for this site, in all."""

    @property
    def not_before(self) -> float:
        with self._lock:
            return self._not_before

    def hold_until(self, moment: float) -> None:
        """Send nothing before `moment` (a Unix time); an earlier hold is kept."""
        with self._lock:
            self._not_before = max(self._not_before, moment)

    def wait_turn(self) -> None:
        """Return when a call may go: at once, after a short hold, or `RateLimited`."""
        while True:
            with self._lock:
                delay = self._not_before - self._clock()
                until = self._not_before
            if delay <= 0:
                return
            if delay > self.longest_wait:
                raise RateLimited(until)
            self._sleep(delay)
            with self._lock:
                self.waited += delay

    def backoff(self, attempt: int) -> float:
        """The pause before retry `attempt` (0-based) of a call that got no
        `Retry-After`: 5 s, 10 s, 20 s, 30 s, each times 0.7 to 1.3."""
        base = min(BACKOFF_CAP, self.backoff_start * float(2**attempt))
        return base * (0.7 + 0.6 * self._jitter())

    def now(self) -> float:
        return self._clock()


def retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """`Retry-After` as seconds from `now`: a number of seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp() - now
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


_GATES: dict[str, SiteGate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(site_name: str) -> SiteGate:
    """The one gate of `site_name` in this process."""
    with _GATES_LOCK:
        gate = _GATES.get(site_name)
        if gate is None:
            gate = _GATES[site_name] = SiteGate()
        return gate


def forget_gates() -> None:
    """Drop every gate of this process, holds and all. A process that serves one
    database never needs it; one that opens many in turn (the test suite, where two
    stand-in sites may be given the same port one after the other) starts each
    afresh, so one site's hold is never taken for another's."""
    with _GATES_LOCK:
        _GATES.clear()
