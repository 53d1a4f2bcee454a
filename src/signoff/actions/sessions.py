"""Signing in and out of the web UI: server-side sessions and their audit events.

A session row holds only the SHA-256 of the cookie's secret, so a copy of the
database signs nobody in. A session ends after 12 idle hours, and at the latest a
fixed time after sign-in (`SIGNOFF_SESSION_MAX_AGE_DAYS`, `domain/lifetimes.py`),
however busy. Sign-ins and refused attempts are audited on the site chain.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.auth.passwords import hash_password, verify_password
from signoff.auth.tokens import hash_secret
from signoff.db.models import User, WebSession
from signoff.domain.lifetimes import (
    SESSION_MAX_AGE,
    SESSION_TOUCH_AFTER,
    session_expiry,
)

MAX_USERNAME_AUDITED = 100


@dataclass(frozen=True)
class SignedIn:
    """A new session and the cookie secret for it (shown to the browser once)."""

    session: WebSession
    user: User
    secret: str


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the user is unknown, so timing tells nothing."""
    return hash_password(secrets.token_urlsafe(16))


def check_credentials(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None, in the same time.

    A password hash is verified in every case (a decoy when the user is unknown), so
    timing tells nothing about which usernames exist. Run it outside any write
    transaction: Argon2 is slow on purpose, and SQLite's write lock would wait on it.
    """
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else None
    valid = verify_password(stored or _decoy_hash(), password)
    if user is None or not user.is_active or not stored or not valid:
        return None
    return user


def do_sign_in(
    session: Session,
    user: User,
    *,
    by: Acting[User | None],
    max_age: timedelta = SESSION_MAX_AGE,
) -> SignedIn:
    """Start a session for `user`, whose credentials `check_credentials` accepted.

    The user's expired sessions are removed on the way, so rows do not pile up.
    """
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id, WebSession.expires_at <= by.now
        )
    )
    secret = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=hash_secret(secret),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=by.now,
        last_seen_at=by.now,
        expires_at=session_expiry(by.now, by.now, max_age),
    )
    session.add(web_session)
    session.flush()
    record_event(
        session,
        "auth.signed_in",
        f"{user.display_name} signed in.",
        by=by.with_actor(user),
        details={"sessionId": web_session.id},
    )
    return SignedIn(session=web_session, user=user, secret=secret)


def do_record_failed_sign_in(
    session: Session,
    username: str,
    *,
    by: Acting[User | None],
) -> None:
    """Audit a refused sign-in with the username tried (never the password)."""
    record_event(
        session,
        "auth.sign_in_failed",
        "A sign-in was refused.",
        by=by.with_actor(None),
        details={"username": username[:MAX_USERNAME_AUDITED]},
    )


def do_sign_out(
    session: Session,
    web_session: WebSession,
    *,
    by: Acting[User | None],
) -> None:
    user = session.get(User, web_session.user_id)
    session.delete(web_session)
    session.flush()
    record_event(
        session,
        "auth.signed_out",
        f"{user.display_name if user else 'Someone'} signed out.",
        by=by.with_actor(user),
    )


def do_touch_session(
    session: Session,
    web_session: WebSession,
    *,
    by: Acting[User | None],
    max_age: timedelta = SESSION_MAX_AGE,
) -> None:
    """Slide the idle expiry forward, up to the session's lifetime; not audited (it
    changes no one's rights)."""
    if by.now - web_session.last_seen_at < SESSION_TOUCH_AFTER:
        return
    web_session.last_seen_at = by.now
    web_session.expires_at = session_expiry(web_session.created_at, by.now, max_age)
    session.flush()
