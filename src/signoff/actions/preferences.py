"""A person's own preferences: for now, whether approval emails reach them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from signoff.actions.audit import record_event
from signoff.db.models import User
from signoff.domain.errors import Denial, NotAllowed
from signoff.domain.states import Origin


def do_set_email_preferences(
    session: Session,
    user: User,
    *,
    enabled: bool,
    actor: User,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> User:
    """Turn approval emails on or off for `user`; only they may, for themselves."""
    if actor.id != user.id:
        raise NotAllowed(
            "Only you can change your email preferences.",
            denial=Denial(
                action="change email preferences",
                reason="not_yourself",
                actor_id=actor.id,
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
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
        details={"emailNotifications": enabled},
    )
    return user
