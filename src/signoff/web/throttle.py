"""Login throttling in memory: too many failures for one username from one address.

Per process, which is enough to make online guessing slow; several workers each keep
their own count. A success does not reset the count, so a guesser cannot interleave
a known password to keep going.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
MAX_KEYS = 100_000  # bounds memory under a spray of usernames


class LoginThrottle:
    def __init__(
        self, *, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW
    ) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str, now: datetime) -> int | None:
        """Seconds to wait when this username and address are blocked, else None."""
        with self._lock:
            recent = self._prune((username.lower(), address), now)
            if len(recent) < self.max_failures:
                return None
            return max(1, int((recent[0] + self.window - now).total_seconds()) + 1)

    def record_failure(self, username: str, address: str, now: datetime) -> None:
        key = (username.lower(), address)
        with self._lock:
            recent = self._prune(key, now)
            if key not in self._failures and len(self._failures) >= MAX_KEYS:
                # the oldest entry goes first (dicts keep insertion order)
                del self._failures[next(iter(self._failures))]
            recent.append(now)
            self._failures[key] = recent

    def _prune(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        recent = self._failures.get(key, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        return recent
