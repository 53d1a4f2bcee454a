"""Recording that someone took a copy of a space's audit trail.

An export changes nothing, but it hands the whole trail to a person; auditors expect
that hand-over to appear in the trail itself. Only space admins may export.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.audit import AppendedEvent, record_event
from signoff.db.models import Space, User
from signoff.domain.errors import BadInput
from signoff.domain.states import Role

EXPORT_FORMATS = ("csv", "jsonl")


def do_record_export(
    session: Session,
    space: Space,
    *,
    export_format: str,
    by: Acting[User],
) -> AppendedEvent:
    """Check the right to export and record the export, before a byte is sent."""
    require_role(
        session, by.actor, space.id, Role.admin, action="export the audit trail"
    )
    if export_format not in EXPORT_FORMATS:
        raise BadInput("format must be csv or jsonl.", field="format")
    return record_event(
        session,
        "audit.exported",
        f"{by.actor.display_name} exported the audit trail of {space.key} "
        f"as {export_format.upper()}.",
        by=by,
        space_id=space.id,
        details={"format": export_format},
    )
