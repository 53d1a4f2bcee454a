"""One pace per site: nothing before `Retry-After`, backoff with jitter otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from signoff.connectors.confluence.gate import (
    RateLimited,
    SiteGate,
    forget_gates,
    gate_for,
    retry_after_seconds,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_hold_is_waited_out_before_the_next_call() -> None:
    time = FakeTime()
    gate = SiteGate(clock=time.clock, sleep=time.sleep)
    gate.wait_turn()
    gate.hold_until(time.now + 7)
    gate.hold_until(time.now + 3)  # an earlier hold does not shorten it
    gate.wait_turn()
    assert time.slept == [7] and gate.waited == 7


def test_a_hold_longer_than_a_pass_waits_ends_the_pass() -> None:
    time = FakeTime()
    gate = SiteGate(clock=time.clock, sleep=time.sleep, longest_wait=60)
    gate.hold_until(time.now + 1847)
    with pytest.raises(RateLimited) as limited:
        gate.wait_turn()
    assert limited.value.until == time.now + 1847 and time.slept == []


@pytest.mark.parametrize(
    ("jitter", "attempt", "pause"),
    [
        (0.0, 0, 3.5),
        (1.0, 0, 6.5),
        (0.5, 1, 10.0),
        (0.5, 2, 20.0),
        (0.5, 3, 30.0),
        (0.5, 9, 30.0),
    ],
)
def test_backoff_doubles_from_five_seconds_to_thirty_with_jitter(
    jitter: float, attempt: int, pause: float
) -> None:
    gate = SiteGate(jitter=lambda: jitter)
    assert gate.backoff(attempt) == pytest.approx(pause)


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds("120", now=now) == 120
    assert retry_after_seconds(later, now=now) == 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 0
    for nonsense in (None, "", "soon", "nan", "inf"):
        assert retry_after_seconds(nonsense, now=now) is None


def test_a_forgotten_gate_comes_back_without_its_hold() -> None:
    held = gate_for("1 http://127.0.0.1:50000")
    held.hold_until(held.now() + 3600)
    assert gate_for("1 http://127.0.0.1:50000") is held  # one gate per site

    forget_gates()

    fresh = gate_for("1 http://127.0.0.1:50000")
    assert fresh is not held
    assert fresh.not_before <= fresh.now()
