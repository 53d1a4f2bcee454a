"""The site's own clock, which tests set: every createdAt and modified date reads it.

Times leave the site as Confluence writes them, `YYYY-MM-DDTHH:mm:ss.sssZ`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2025, 7, 15, 10, 0, tzinfo=UTC)


class SiteClock:
    """A clock that moves only when a test moves it (thread-safe)."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = _aware(when)

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Moves forward by `seconds` (and timedelta keywords); returns the new now."""
        step = timedelta(seconds=seconds, **delta)
        if step < timedelta(0):
            raise ValueError("the site clock only moves forward; use set() to go back")
        with self._lock:
            self._now += step
            return self._now


def confluence_time(when: datetime) -> str:
    """`2025-07-15T10:33:14.677Z`: UTC, milliseconds, a literal Z."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def epoch_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("the site clock takes aware datetimes only")
    return when.astimezone(UTC)
