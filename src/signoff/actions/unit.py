"""The unit of work at the edge: one transaction, and refusals audited after rollback.

A refused action must leave nothing behind but the record of its refusal. So the
action's transaction rolls back as usual, and the `auth.denied` event is written in a
transaction of its own before the error travels on to the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.errors import NotAllowed
from signoff.domain.states import Origin


def utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def unit_of_work(
    db: Database, *, origin: Origin, client_id: str | None = None
) -> Iterator[Session]:
    try:
        with db.write() as session:
            yield session
    except NotAllowed as refusal:
        if refusal.denial is not None:
            record_denial(db, refusal, origin=origin, client_id=client_id)
        raise


def record_denial(
    db: Database, refusal: NotAllowed, *, origin: Origin, client_id: str | None
) -> None:
    denial = refusal.denial
    assert denial is not None
    with db.write() as session:
        actor = session.get(User, denial.actor_id) if denial.actor_id else None
        record_event(
            session,
            "auth.denied",
            f"{actor.display_name if actor else 'Someone'} was refused: "
            f"{refusal.message}",
            by=Acting(actor, origin, client_id, utcnow()),
            space_id=denial.space_id,
            page_id=denial.page_id,
            change_set_id=denial.change_set_id,
            details={
                "action": denial.action,
                "reason": denial.reason,
                **denial.details,
            },
        )
