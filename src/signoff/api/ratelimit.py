"""Per-token request budgets: a fixed one-minute window counted in memory.

Each server process keeps its own counts, so N processes allow up to N times the
budget; the limit is a guard against runaway pipelines, not a billing meter.
"""

from __future__ import annotations

import math
import threading

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Count one request for `key`; None when allowed, else seconds to wait."""
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= WINDOW_SECONDS:
                started, count = now, 0
            if count >= self.per_minute:
                return max(1, math.ceil(started + WINDOW_SECONDS - now))
            self._windows[key] = (started, count + 1)
            if len(self._windows) > 100_000:
                self._forget_old(now)
            return None

    def _forget_old(self, now: float) -> None:
        stale = [k for k, (t, _) in self._windows.items() if now - t >= WINDOW_SECONDS]
        for key in stale:
            del self._windows[key]
