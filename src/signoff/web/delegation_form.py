"""The account page's Delegation section: what it shows, and its two forms (name a
delegate for a date range, revoke one), which write through `actions/delegations.py`
with `Origin.ui` in a unit of work.

Dates come from date fields and count from their midnight, UTC; the last day shown
is the day the delegation ends (exclusive), as the API's `to` is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from signoff.actions.acting import Acting
from signoff.actions.delegations import do_revoke_delegation, do_set_delegation
from signoff.actions.unit import unit_of_work
from signoff.db.models import User
from signoff.domain.errors import BadInput
from signoff.domain.states import Origin
from signoff.queries.delegations import list_delegations_for, names_in
from signoff.queries.groups import active_people, user_named
from signoff.web import context
from signoff.web.forms import FormValues, first
from signoff.web.sessions import CurrentSession


def delegation_section(session: Session, me: User) -> dict[str, Any]:
    """What the section shows `me`: their delegations (away or deciding) with the
    names of both people, and whom they may name."""
    rows = list_delegations_for(session, me.id)
    names = names_in(session, rows)
    return {
        "rows": [
            {
                "id": r.id,
                "person": names[r.user_id],
                "delegate": names[r.delegate_id],
                "mine": r.user_id == me.id,
                "from": r.starts_at,
                "to": r.ends_at,
                "revoked": r.revoked_at is not None,
            }
            for r in rows
        ],
        "people": [p for p in active_people(session) if p[0] != me.username],
    }


def _day(form: FormValues, name: str, label: str) -> datetime:
    text = first(form, name).strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{label} must be a date.", field=name) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def set_delegation(request: Request, current: CurrentSession, form: FormValues) -> None:
    starts, ends = _day(form, "from", "From"), _day(form, "to", "To")
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        me = session.get_one(User, current.user_id)
        delegate = user_named(session, first(form, "delegate"))
        if delegate is None:
            raise BadInput("Choose a delegate.", field="delegate")
        do_set_delegation(
            session,
            me,
            delegate,
            starts_at=starts,
            ends_at=ends,
            by=Acting(me, Origin.ui, None, context.now(request)),
        )


def revoke_delegation(
    request: Request, current: CurrentSession, delegation_id: int
) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        me = session.get_one(User, current.user_id)
        do_revoke_delegation(
            session,
            delegation_id,
            by=Acting(me, Origin.ui, None, context.now(request)),
        )
