"""Session lifetimes and token-use timing: pure rules on timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from factories import AT
from signoff.domain.lifetimes import (
    SESSION_IDLE,
    session_expiry,
    session_over,
    token_use_due,
)

WEEK = timedelta(days=7)


def test_a_fresh_session_expires_after_the_idle_time() -> None:
    assert session_expiry(AT, AT, WEEK) == AT + SESSION_IDLE


def test_a_busy_session_never_outlives_its_lifetime() -> None:
    seen = AT + WEEK - timedelta(hours=1)

    assert session_expiry(AT, seen, WEEK) == AT + WEEK


@pytest.mark.parametrize(
    ("age", "max_age", "over"),
    [
        (timedelta(days=2), WEEK, False),
        (timedelta(days=2), timedelta(days=1), True),
        (WEEK, WEEK, True),
    ],
)
def test_a_session_is_over_once_its_lifetime_has_passed_whatever_its_expiry(
    age: timedelta, max_age: timedelta, over: bool
) -> None:
    now = AT + age
    result = session_over(
        expires_at=now + SESSION_IDLE, created_at=AT, now=now, max_age=max_age
    )

    assert result is over


def test_a_session_is_over_at_its_idle_expiry() -> None:
    assert session_over(expires_at=AT, created_at=AT, now=AT, max_age=WEEK)


@pytest.mark.parametrize(
    ("last_used", "due"),
    [
        (None, True),
        (AT - timedelta(seconds=59), False),
        (AT - timedelta(minutes=1), True),
        (AT + timedelta(seconds=5), False),  # another process's clock runs ahead
    ],
)
def test_a_tokens_use_is_written_at_most_once_a_minute(
    last_used: datetime | None, due: bool
) -> None:
    assert token_use_due(last_used, AT) is due
