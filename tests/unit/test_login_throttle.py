"""The login throttle: which sign-in attempts reach the password check at all.

Every limit is checked before the Argon2 hash, so a refused attempt costs a few
dictionary lookups. An admitted attempt counts as a failure until it is settled as a
success, so attempts running side by side cannot overshoot a limit.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from factories import AT
from signoff.web.throttle import (
    ADDRESS_WINDOW,
    MAX_ACCOUNT_FAILURES,
    MAX_ADDRESS_FAILURES,
    MAX_IN_FLIGHT,
    MAX_SITE_FAILURES,
    SITE_WINDOW,
    Attempt,
    LoginThrottle,
    Refusal,
)


def fail(throttle: LoginThrottle, username: str, address: str, **delta: float) -> None:
    attempt = throttle.admit(username, address, AT + timedelta(**delta))
    assert isinstance(attempt, Attempt)
    throttle.settle(attempt, succeeded=False)


def test_ten_failures_for_one_username_from_one_address_refuse_the_eleventh() -> None:
    throttle = LoginThrottle()
    for _ in range(MAX_ACCOUNT_FAILURES):
        fail(throttle, "alice", "192.0.2.1")

    refused = throttle.admit("Alice", "192.0.2.1", AT)

    assert isinstance(refused, Refusal)
    assert refused.retry_after == 15 * 60 + 1
    assert isinstance(throttle.admit("alice", "192.0.2.2", AT), Attempt)


def test_one_address_spraying_usernames_is_refused_before_any_password_check() -> None:
    throttle = LoginThrottle()
    for n in range(MAX_ADDRESS_FAILURES):
        fail(throttle, f"user{n}", "192.0.2.1", seconds=n)

    refused = throttle.admit("someone-new", "192.0.2.1", AT + timedelta(seconds=60))

    assert MAX_ADDRESS_FAILURES == 30
    assert isinstance(refused, Refusal)
    assert refused.retry_after == int(ADDRESS_WINDOW.total_seconds()) - 60 + 1
    assert isinstance(throttle.admit("someone-new", "192.0.2.2", AT), Attempt)


def test_failures_across_the_site_refuse_every_address_until_the_minute_passes() -> (
    None
):
    throttle = LoginThrottle()
    for n in range(MAX_SITE_FAILURES):
        fail(throttle, f"user{n}", f"10.0.{n // 250}.{n % 250}")

    refused = throttle.admit("alice", "192.0.2.77", AT + timedelta(seconds=20))
    later = throttle.admit("alice", "192.0.2.77", AT + SITE_WINDOW)

    assert MAX_SITE_FAILURES == 60
    assert isinstance(refused, Refusal)
    assert refused.retry_after == 41
    assert isinstance(later, Attempt)


def test_a_success_does_not_count_but_does_not_forgive_earlier_failures() -> None:
    throttle = LoginThrottle()
    for _ in range(MAX_ACCOUNT_FAILURES - 1):
        fail(throttle, "alice", "192.0.2.1")
    success = throttle.admit("alice", "192.0.2.1", AT)
    assert isinstance(success, Attempt)
    throttle.settle(success, succeeded=True)

    fail(throttle, "alice", "192.0.2.1")

    assert isinstance(throttle.admit("alice", "192.0.2.1", AT), Refusal)


def test_attempts_in_flight_count_as_failures_until_settled() -> None:
    throttle = LoginThrottle(max_account_failures=2)
    first = throttle.admit("alice", "192.0.2.1", AT)
    second = throttle.admit("alice", "192.0.2.1", AT)

    third = throttle.admit("alice", "192.0.2.1", AT)

    assert isinstance(first, Attempt)
    assert isinstance(second, Attempt)
    assert isinstance(third, Refusal)
    throttle.settle(first, succeeded=True)
    assert isinstance(throttle.admit("alice", "192.0.2.1", AT), Attempt)


def test_only_a_few_password_checks_run_at_once() -> None:
    throttle = LoginThrottle()
    running = [
        throttle.admit(f"user{n}", f"192.0.2.{n}", AT) for n in range(MAX_IN_FLIGHT)
    ]

    refused = throttle.admit("alice", "198.51.100.1", AT)

    assert all(isinstance(attempt, Attempt) for attempt in running)
    assert refused == Refusal(retry_after=1)
    first = running[0]
    assert isinstance(first, Attempt)
    throttle.settle(first, succeeded=True)
    assert isinstance(throttle.admit("alice", "198.51.100.1", AT), Attempt)


def test_settling_after_the_window_has_passed_is_harmless() -> None:
    throttle = LoginThrottle()
    attempt = throttle.admit("alice", "192.0.2.1", AT)
    assert isinstance(attempt, Attempt)
    throttle.admit("bob", "192.0.2.9", AT + ADDRESS_WINDOW)  # prunes alice's entry

    throttle.settle(attempt, succeeded=True)

    assert isinstance(
        throttle.admit("alice", "192.0.2.1", AT + ADDRESS_WINDOW), Attempt
    )


@pytest.mark.parametrize("limit", ["max_account_failures", "max_address_failures"])
def test_the_failures_kept_are_bounded_under_a_spray(limit: str) -> None:
    throttle = LoginThrottle(max_keys=3, **{limit: 1})
    for n in range(10):
        fail(throttle, f"user{n}", f"192.0.2.{n}", minutes=n)

    assert throttle.keys_kept() <= 2 * 3
