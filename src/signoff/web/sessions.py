"""Browser sessions: the `signoff_session` cookie, its row, and CSRF tokens.

The cookie carries a random secret; the database keeps its SHA-256 with the user, a
CSRF token for the session's forms, a 12-hour idle expiry and its start (it lives
`SIGNOFF_SESSION_MAX_AGE_DAYS` at most). The login form has no session yet, so it
uses a double-submit cookie signed with the site key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signoff.actions.acting import Acting
from signoff.actions.sessions import do_touch_session
from signoff.db.models import User, WebSession
from signoff.db.session import Database
from signoff.domain.lifetimes import SESSION_MAX_AGE, SESSION_TOUCH_AFTER, session_over
from signoff.domain.states import Origin
from signoff.queries.navigation import nav_facts
from signoff.queries.sessions import get_web_session
from signoff.web import context

SESSION_COOKIE = "signoff_session"
LOGIN_CSRF_COOKIE = "signoff_login_csrf"
CSRF_FIELD = "csrf_token"


def session_cookie(request: Request) -> str:
    """The session cookie's name: `__Host-` on an https site, so the browser keeps it
    only if it is Secure, set for the whole host (Path=/) and for no other domain; a
    plain-http page or a sibling subdomain then cannot plant or overwrite it."""
    secure = context.secure_cookies(request)
    return f"__Host-{SESSION_COOKIE}" if secure else SESSION_COOKIE


def login_csrf_cookie(request: Request) -> str:
    """The login CSRF cookie's name: `__Secure-` on https (it is scoped to /login,
    which `__Host-` does not allow)."""
    secure = context.secure_cookies(request)
    return f"__Secure-{LOGIN_CSRF_COOKIE}" if secure else LOGIN_CSRF_COOKIE


@dataclass(frozen=True)
class CurrentSession:
    session_id: int
    user_id: int
    username: str
    display_name: str
    csrf_token: str
    unread: int = 0
    """Unread mentions, shown beside `Inbox`."""
    administers: bool = False
    """Whether the person administers a space: the admin links are for them."""


def load_session(
    db: Database,
    secret: str | None,
    now: datetime,
    max_age: timedelta = SESSION_MAX_AGE,
) -> CurrentSession | None:
    """The live session for the cookie's secret; slides its idle expiry now and then."""
    if not secret:
        return None
    with db.read() as session:
        row = get_web_session(session, secret)
        user = session.get(User, row.user_id) if row is not None else None
        if (
            row is None
            or session_over(
                expires_at=row.expires_at,
                created_at=row.created_at,
                now=now,
                max_age=max_age,
            )
            or user is None
            or not user.is_active
        ):
            return None
        facts = nav_facts(session, user.id)
        current = CurrentSession(
            row.id,
            user.id,
            user.username,
            user.display_name,
            row.csrf_token,
            unread=facts.unread,
            administers=facts.administers,
        )
        stale = now - row.last_seen_at >= SESSION_TOUCH_AFTER
    if stale:
        with db.write() as session:
            row = session.get(WebSession, current.session_id)
            if row is not None:
                do_touch_session(
                    session,
                    row,
                    by=Acting(None, Origin.ui, None, now),
                    max_age=max_age,
                )
    return current


async def current_session(request: Request) -> CurrentSession | None:
    return await run_in_threadpool(
        load_session,
        context.database(request),
        request.cookies.get(session_cookie(request)),
        context.now(request),
        context.session_max_age(request),
    )


def session_csrf_ok(current: CurrentSession | None, submitted: str) -> bool:
    return (
        current is not None
        and bool(submitted)
        and hmac.compare_digest(current.csrf_token.encode(), submitted.encode())
    )


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    # No Max-Age: the browser forgets it on close; the server enforces idle expiry.
    response.set_cookie(
        session_cookie(request),
        secret,
        httponly=True,
        samesite="lax",
        secure=context.secure_cookies(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        session_cookie(request),
        httponly=True,
        samesite="lax",
        secure=context.secure_cookies(request),
        path="/",
    )


def _signature(key: str, nonce: str) -> str:
    return hmac.new(key.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def login_csrf_token(request: Request) -> str:
    """The browser's valid login CSRF token, or a new one (`nonce.signature`)."""
    existing = request.cookies.get(login_csrf_cookie(request), "")
    if login_csrf_signed(request, existing):
        return existing
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_signature(request.app.state.secret_key, nonce)}"


def login_csrf_signed(request: Request, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    expected = _signature(request.app.state.secret_key, nonce)
    return bool(nonce) and hmac.compare_digest(signature.encode(), expected.encode())


def login_csrf_ok(request: Request, submitted: str) -> bool:
    """Double submit: the form's token equals the cookie's, signed by the site key."""
    cookie = request.cookies.get(login_csrf_cookie(request), "")
    return (
        bool(submitted)
        and hmac.compare_digest(cookie.encode(), submitted.encode())
        and login_csrf_signed(request, submitted)
    )


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        login_csrf_cookie(request),
        token,
        httponly=True,
        samesite="lax",
        secure=context.secure_cookies(request),
        path="/login",
    )
