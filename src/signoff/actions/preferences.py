"""A person's own preferences: for now, whether approval emails reach them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.db.models import User
from signoff.domain.errors import Denial, NotAllowed


def do_set_email_preferences(
    session: Session,
    user: User,
    *,
    enabled: bool,
    by: Acting[User],
) -> User:
    """Turn approval emails on or off for `user`; only they may, for themselves."""
    if by.actor.id != user.id:
        raise NotAllowed(
            "Only you can change your email preferences.",
            denial=Denial(
                action="change email preferences",
                reason="not_yourself",
                actor_id=by.actor.id,
            ),
        )
    if user.email_notifications == enabled:
        return user  # nothing changed, nothing to audit
    user.email_notifications = enabled
    session.flush()
    record_event(
        session,
        "user.preferences_changed",
        f"{user.display_name} turned approval emails {'on' if enabled else 'off'}.",
        by=by,
        details={"emailNotifications": enabled},
    )
    return user
