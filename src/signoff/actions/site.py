"""Site settings changed by site administrators, such as the REST API switch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.db.models import SiteSetting, User
from signoff.domain.states import Origin

API_ENABLED = "api.enabled"


def do_set_api_enabled(
    session: Session,
    enabled: bool,
    *,
    actor: User | None,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> bool:
    """Turn the REST API on or off; returns whether anything changed."""
    require_site_admin(actor, "switch the REST API")
    setting = session.get(SiteSetting, API_ENABLED)
    if setting is not None and setting.value == enabled:
        return False
    if setting is None:
        session.add(SiteSetting(key=API_ENABLED, value=enabled, updated_at=now))
    else:
        setting.value, setting.updated_at = enabled, now
    session.flush()
    state = "enabled" if enabled else "disabled"
    record_event(
        session,
        f"site.api_{state}",
        f"The REST API was {state}.",
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
    )
    return True
