"""How long a browser session lives, and how often a token's last use is written down.

Pure rules on timestamps, shared by the actions that write them and by the code that
reads them back: a session ends after 12 idle hours or a fixed lifetime after sign-in,
whichever comes first; a bearer token's last use is kept to the minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta

SESSION_IDLE = timedelta(hours=12)
# A stolen cookie kept busy would otherwise live for ever; a setting may shorten it.
SESSION_MAX_AGE = timedelta(days=7)
# Extending the idle expiry on every request would make every page view a write.
SESSION_TOUCH_AFTER = timedelta(minutes=5)
# A pipeline calling many times a second writes its token's last use once a minute.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def session_expiry(created_at: datetime, now: datetime, max_age: timedelta) -> datetime:
    """When a session seen at `now` ends: after the idle time, but never later than
    `max_age` after it began."""
    return min(now + SESSION_IDLE, created_at + max_age)


def session_over(
    *, expires_at: datetime, created_at: datetime, now: datetime, max_age: timedelta
) -> bool:
    """Whether the session is over. The lifetime is checked on its own as well, so a
    shorter setting ends older sessions at once, not at their next idle expiry."""
    return expires_at <= now or created_at + max_age <= now


def token_use_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at `now` is worth writing: never written, or a minute old."""
    return last_used_at is None or now - last_used_at >= TOKEN_USE_PRECISION
