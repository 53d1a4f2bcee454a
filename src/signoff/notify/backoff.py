"""When a failed message is tried again: exponential backoff with equal jitter.

The n-th failure waits `base * 2**(n-1)`, capped at `cap`, of which a random half is
jitter: between half and all of it. The fixed half keeps a failing receiver from
being retried at once; the random half spreads a burst of failures apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta


def backoff_ceiling(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """The longest wait after `attempts` failures (attempts >= 1)."""
    if attempts < 1:
        raise ValueError("backoff needs at least one failed attempt")
    # Beyond 2**40 the product overflows timedelta long before the cap matters.
    return min(base * (1 << min(attempts - 1, 40)), cap)


def retry_delay(
    attempts: int,
    *,
    base: timedelta,
    cap: timedelta,
    random: Callable[[], float],
    retry_after: float | None = None,
) -> timedelta:
    """The wait before the next try: equal jitter, at least `retry_after` seconds.

    A receiver's `retry_after` is honoured only up to `cap`, so it cannot park a
    message for longer than the worker ever would.
    """
    ceiling = backoff_ceiling(attempts, base=base, cap=cap)
    delay = ceiling / 2 + (ceiling / 2) * random()
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), cap))
    return delay
