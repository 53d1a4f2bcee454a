"""People: creating accounts, and the site administrator check other actions share.

Site administrators do this in the product; the shell operator does it through the
CLI, which acts with no user (`actor=None`) because shell access already trusts them.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.validate import check_pattern, clean_text
from signoff.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from signoff.db.models import User
from signoff.domain.errors import BadInput, Denial, InvalidState, NotAllowed

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def require_site_admin(actor: User | None, action: str) -> None:
    """The CLI operator (`None`) and site administrators pass; others are refused."""
    if actor is None or actor.is_site_admin:
        return
    raise NotAllowed(
        f"Only site administrators can {action}.",
        denial=Denial(
            action=action, reason="not a site administrator", actor_id=actor.id
        ),
    )


def do_create_user(
    session: Session,
    username: str,
    password: str | None,
    *,
    display_name: str | None = None,
    email: str | None = None,
    site_admin: bool = False,
    by: Acting[User | None],
) -> User:
    require_site_admin(by.actor, "create users")
    check_pattern(
        username,
        USERNAME,
        field="username",
        hint="must be 2-64 lower-case letters, digits, '.', '_' or '-'",
    )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters.",
            field="password",
        )
    if email is not None:
        check_pattern(email, EMAIL, field="email", hint="is not an email address")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidState(f"A user named {username!r} already exists.")
    name = clean_text(display_name or username, field="displayName", max_length=200)
    user = User(
        account_id=secrets.token_hex(12),
        username=username,
        display_name=name,
        email=email,
        password_hash=hash_password(password) if password else None,
        is_site_admin=site_admin,
        is_active=True,
        created_at=by.now,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        "user.created",
        f"User {username} was created{' as site administrator' if site_admin else ''}.",
        by=by,
        details={
            "accountId": user.account_id,
            "username": username,
            "siteAdmin": site_admin,
        },
    )
    return user
