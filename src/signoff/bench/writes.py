"""The user actions the bench times, each as one request runs it in production.

One unit of work (one transaction, refusals audited) per user action: load the actor,
load what they name through the permission-checked loaders, call the action. The
action does the rest, as it does for the API: rules, audit chain, outbox rows.
"""

from __future__ import annotations

from signoff.access import access_change_set, access_page
from signoff.actions.acting import Acting
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.changesets import PageResult, do_submit_change_set
from signoff.actions.unit import unit_of_work, utcnow
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Origin

ORIGIN = Origin.cli


def submit_page(db: Database, actor_id: int, page_id: int) -> None:
    """`POST /pages/submit {pageId}`."""
    with unit_of_work(db, origin=ORIGIN) as session:
        actor = session.get_one(User, actor_id)
        page = access_page(session, actor, page_id)
        do_submit_page(session, page, by=Acting(actor, ORIGIN, None, utcnow()))


def approve_page(db: Database, actor_id: int, page_id: int) -> None:
    """`POST /pages/approve {pageId, version}` at the page's current version."""
    with unit_of_work(db, origin=ORIGIN) as session:
        actor = session.get_one(User, actor_id)
        page = access_page(session, actor, page_id)
        do_record_decision(
            session,
            page,
            DecisionKind.approve,
            version=page.current_version,
            comment=None,
            by=Acting(actor, ORIGIN, None, utcnow()),
        )


def submit_change_set(
    db: Database, actor_id: int, change_set_id: int
) -> list[PageResult]:
    """`POST /changeSets/submit {changeSetId}`: every page, in one transaction."""
    with unit_of_work(db, origin=ORIGIN) as session:
        actor = session.get_one(User, actor_id)
        change_set = access_change_set(session, actor, change_set_id)
        return do_submit_change_set(
            session,
            change_set,
            by=Acting(actor, ORIGIN, None, utcnow()),
        )
