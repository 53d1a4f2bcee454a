"""Site settings changed by site administrators, such as the REST API switch."""

from __future__ import annotations

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.users import require_site_admin
from signoff.db.models import SiteSetting, User

API_ENABLED = "api.enabled"


def do_set_api_enabled(
    session: Session,
    enabled: bool,
    *,
    by: Acting[User | None],
) -> bool:
    """Turn the REST API on or off; returns whether anything changed."""
    require_site_admin(by.actor, "switch the REST API")
    setting = session.get(SiteSetting, API_ENABLED)
    if setting is not None and setting.value == enabled:
        return False
    if setting is None:
        session.add(SiteSetting(key=API_ENABLED, value=enabled, updated_at=by.now))
    else:
        setting.value, setting.updated_at = enabled, by.now
    session.flush()
    state = "enabled" if enabled else "disabled"
    record_event(
        session,
        f"site.api_{state}",
        f"The REST API was {state}.",
        by=by,
    )
    return True
