"""What routes take from the application: its database, settings, clock and throttle.

`create_app` puts them on `app.state`; tests replace `app.state.clock` to move time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from starlette.requests import Request

from signoff.config import Settings
from signoff.db.session import Database
from signoff.web.throttle import LoginThrottle


def database(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


def settings(request: Request) -> Settings:
    value = request.app.state.settings
    assert isinstance(value, Settings)
    return value


def refresh_pages(request: Request, page_ids: Sequence[int]) -> None:
    """Bring pages kept outside Signoff (Confluence) up to date before a submission
    (`actions.confluence.refresh`); Signoff's own pages cost nothing."""
    refresher: Callable[[Sequence[int]], object] = request.app.state.refresh_pages
    refresher(page_ids)


def now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def login_throttle(request: Request) -> LoginThrottle:
    throttle = request.app.state.login_throttle
    assert isinstance(throttle, LoginThrottle)
    return throttle


def session_max_age(request: Request) -> timedelta:
    return timedelta(days=settings(request).session_max_age_days)


def secure_cookies(request: Request) -> bool:
    """Cookies are `Secure` when the public URL is https."""
    return settings(request).base_url.startswith("https://")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
