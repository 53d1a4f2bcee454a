"""Login throttling in memory, decided before any password is hashed.

Each check costs an Argon2 hash (64 MiB, a fifth of a second) and a refused one an
audit row, so every limit is checked first: failures per username and address, per
address whatever the username (a spray of usernames), across the whole site (a spray
from many addresses), and how many checks run at once (the memory they take).
An admitted attempt counts as a failure until it is settled a success, so attempts
side by side cannot overshoot a limit; a success forgives nothing earlier, so a
guesser cannot interleave a known password. Per process: N workers count N times.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_ACCOUNT_FAILURES = 10  # one username from one address, per ADDRESS_WINDOW
MAX_ADDRESS_FAILURES = 30  # one address, any usernames, per ADDRESS_WINDOW
ADDRESS_WINDOW = timedelta(minutes=15)
# The whole site, per SITE_WINDOW: bounds the hashing and the audit rows a spray from
# many addresses causes; a short window, so the site is usable soon after it ends.
MAX_SITE_FAILURES = 60
SITE_WINDOW = timedelta(minutes=1)
MAX_IN_FLIGHT = 4  # password checks at once: 4 x 64 MiB at most
MAX_KEYS = 100_000  # usernames and addresses remembered, per kind
BUSY_RETRY_SECONDS = 1

Key = tuple[str, ...]


@dataclass(frozen=True)
class Attempt:
    """An attempt let through to the password check; settle it when it is done."""

    account: Key
    address: Key
    at: datetime


@dataclass(frozen=True)
class Refusal:
    """No password check: try again in `retry_after` seconds."""

    retry_after: int


class _Failures:
    """Failure times per key in a sliding window, at most `max_keys` keys."""

    def __init__(self, limit: int, window: timedelta, max_keys: int) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.times: dict[Key, deque[datetime]] = {}

    def wait(self, key: Key, now: datetime) -> int | None:
        """Seconds until `key` is below its limit again; None when it is."""
        recent = self.times.get(key)
        if recent is None:
            return None
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if not recent:
            del self.times[key]
            return None
        if len(recent) < self.limit:
            return None
        return max(1, int((recent[0] + self.window - now).total_seconds()) + 1)

    def add(self, key: Key, at: datetime) -> None:
        if key not in self.times and len(self.times) >= self.max_keys:
            del self.times[next(iter(self.times))]  # the oldest key goes first
        self.times.setdefault(key, deque()).append(at)

    def forgive(self, key: Key, at: datetime) -> None:
        recent = self.times.get(key)
        if recent is not None and at in recent:
            recent.remove(at)


class LoginThrottle:
    def __init__(
        self,
        *,
        max_account_failures: int = MAX_ACCOUNT_FAILURES,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
        max_site_failures: int = MAX_SITE_FAILURES,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._account = _Failures(max_account_failures, ADDRESS_WINDOW, max_keys)
        self._address = _Failures(max_address_failures, ADDRESS_WINDOW, max_keys)
        self._site = _Failures(max_site_failures, SITE_WINDOW, 1)
        self._max_in_flight = max_in_flight
        self._in_flight = 0
        self._lock = threading.Lock()

    def admit(self, username: str, address: str, now: datetime) -> Attempt | Refusal:
        """Let one attempt through to the password check, or say how long to wait."""
        account, by_address = (
            ("account", username.lower(), address),
            ("address", address),
        )
        with self._lock:
            waits = [
                self._account.wait(account, now),
                self._address.wait(by_address, now),
                self._site.wait(("site",), now),
            ]
            longest = max((wait for wait in waits if wait is not None), default=None)
            if longest is not None:
                return Refusal(longest)
            if self._in_flight >= self._max_in_flight:
                return Refusal(BUSY_RETRY_SECONDS)
            self._in_flight += 1
            self._account.add(account, now)
            self._address.add(by_address, now)
            self._site.add(("site",), now)
        return Attempt(account, by_address, now)

    def settle(self, attempt: Attempt, *, succeeded: bool) -> None:
        """The check is done; a success takes back the failure it was counted as."""
        with self._lock:
            self._in_flight -= 1
            if succeeded:
                self._account.forgive(attempt.account, attempt.at)
                self._address.forgive(attempt.address, attempt.at)
                self._site.forgive(("site",), attempt.at)

    def keys_kept(self) -> int:
        """How many usernames and addresses are remembered (a bounded number)."""
        with self._lock:
            return len(self._account.times) + len(self._address.times)
