"""Switchable faults and the request log: how a test makes the site misbehave and
then checks what the client did about it.

Faults are armed from the test's thread and taken by the server's thread; both sides
lock. Retry-After deadlines are kept in real time, since the client really waits.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from enum import StrEnum


class FaultKind(StrEnum):
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # 503
    RESET = "reset"  # the connection dies mid-response
    LOST_ANSWER = "lost_answer"  # the request is carried out, then the answer is lost


@dataclass
class Fault:
    kind: FaultKind
    retry_after: float | None = None  # seconds from now
    as_http_date: bool = False
    reason: str = "confluence-quota-global-based"

    @property
    def status(self) -> int:
        return 429 if self.kind is FaultKind.RATE_LIMITED else 503


@dataclass
class _Armed:
    fault: Fault
    remaining: int
    after: int  # requests to let through first
    path: str | None


class Faults:
    """What the next requests get instead of an answer; each arm counts down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []

    def rate_limit(
        self,
        count: int = 1,
        *,
        retry_after: float = 1,
        as_http_date: bool = False,
        reason: str = "confluence-quota-global-based",
        path: str | None = None,
    ) -> None:
        """The next `count` requests (whose path contains `path`) answer 429."""
        fault = Fault(FaultKind.RATE_LIMITED, retry_after, as_http_date, reason)
        self._arm(_Armed(fault, count, 0, path))

    def unavailable(
        self,
        count: int = 1,
        *,
        retry_after: float | None = 1,
        as_http_date: bool = False,
        path: str | None = None,
    ) -> None:
        """The next `count` requests answer 503, with Retry-After unless it is None."""
        fault = Fault(FaultKind.UNAVAILABLE, retry_after, as_http_date)
        self._arm(_Armed(fault, count, 0, path))

    def reset_connection(
        self, *, after: int = 0, count: int = 1, path: str | None = None
    ) -> None:
        """After `after` more requests, `count` requests lose their connection
        half-way through the answer (headers and part of the body, then a reset)."""
        self._arm(_Armed(Fault(FaultKind.RESET), count, after, path))

    def lose_answer(self, *, count: int = 1, path: str | None = None) -> None:
        """The next `count` requests are carried out (a POST writes), then their
        connection is reset before the answer: the client cannot tell it worked."""
        self._arm(_Armed(Fault(FaultKind.LOST_ANSWER), count, 0, path))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, path: str) -> Fault | None:
        """The fault this request meets, if any (called once per request)."""
        with self._lock:
            chosen: Fault | None = None
            for armed in self._armed:
                if armed.path is not None and armed.path not in path:
                    continue
                if armed.after > 0:
                    armed.after -= 1
                    continue
                if chosen is None:
                    chosen = armed.fault
                    armed.remaining -= 1
            self._armed = [a for a in self._armed if a.remaining > 0]
            return chosen

    def _arm(self, armed: _Armed) -> None:
        if armed.remaining < 1 or armed.after < 0:
            raise ValueError("a fault needs a positive count and a non-negative delay")
        with self._lock:
            self._armed.append(armed)


@dataclass
class LoggedRequest:
    """One request as the site saw it. `auth` names the credential, never its secret."""

    method: str
    path: str
    query: str
    params: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    auth: str
    at: float  # wall clock, seconds since the epoch
    monotonic: float
    site_time: datetime
    status: int | None = None
    retry_not_before: float | None = field(default=None, repr=False)  # monotonic


HEADERS_OF_INTEREST = ("accept", "content-type", "user-agent", "x-atlassian-token")


class RequestLog:
    """Every request the site received, in arrival order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[LoggedRequest] = []

    def add(self, record: LoggedRequest) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests with this method whose path ends with `path` (both optional)."""
        return sum(
            1
            for r in self.records()
            if (method is None or r.method == method.upper())
            and (path is None or r.path.endswith(path))
        )

    def early_requests(self) -> list[LoggedRequest]:
        """Requests that arrived before an earlier 429/503's Retry-After had passed."""
        early: list[LoggedRequest] = []
        not_before = -math.inf
        for record in self.records():
            if record.monotonic < not_before:
                early.append(record)
            if record.retry_not_before is not None:
                not_before = max(not_before, record.retry_not_before)
        return early


def retry_deadline(fault: Fault, wall_now: float, mono_now: float) -> tuple[str, float]:
    """The Retry-After header's value and the monotonic time it names.

    An HTTP date has whole seconds, so its deadline is the date itself (rounded up),
    converted to the monotonic clock.
    """
    assert fault.retry_after is not None
    if not fault.as_http_date:
        seconds = math.ceil(fault.retry_after)
        return str(seconds), mono_now + seconds
    target = math.ceil(wall_now + fault.retry_after)
    return formatdate(target, usegmt=True), mono_now + (target - wall_now)
