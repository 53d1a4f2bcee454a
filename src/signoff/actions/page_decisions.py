"""One approver's decision on many pages in one act, page by page: the part the
change-set decision and the queue's bulk decision share.

Pages are locked up front in id order, then each is decided through the engine
(`do_record_decision`) under a savepoint of its own, so one page's refusal is that
page's reason and leaves the others decided and nothing half-written.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.approvals import do_record_decision
from signoff.db.models import Page, User
from signoff.domain.errors import SignoffError
from signoff.domain.states import DecisionKind, RequestStatus
from signoff.queries.facts import latest_request
from signoff.queries.page_refs import public_page_id


@dataclass(frozen=True)
class PageDecision:
    """One page's outcome in a many-page decision: `version` is the version decided
    on, `reason` why nothing was decided (the engine's own refusal)."""

    page_id: int
    public_id: str
    success: bool
    version: int | None = None
    reason: str | None = None
    title: str = ""


def lock_pages(session: Session, page_ids: Collection[int]) -> dict[int, Page]:
    """The pages by id, locked in id order: each decision appends to its space's
    audit chain, which stays locked until commit, so locking the next page only
    then could deadlock with an edit on PostgreSQL."""
    query = (
        select(Page)
        .where(Page.id.in_(set(page_ids)))
        .order_by(Page.id)
        .with_for_update()
    )
    return {page.id: page for page in session.scalars(query)}


def decide_page(
    session: Session,
    page: Page,
    kind: DecisionKind,
    comment: str,
    seen: int | None,
    by: Acting[User],
) -> PageDecision:
    """One page's decision at `seen` (the version under review when None) under its
    own savepoint; a refusal is its reason. A review superseded by an edit is named
    as such, since the engine would only say that nothing is pending."""
    public_id = public_page_id(page)
    request = latest_request(session, page)
    if request is not None and request.status == RequestStatus.superseded:
        return PageDecision(
            page.id,
            public_id,
            False,
            reason=(
                f"'{page.title}' was edited after version {request.page_version} "
                f"was submitted; that review was superseded (the page is now at "
                f"version {page.current_version})."
            ),
            title=page.title,
        )
    version = seen or (request.page_version if request else page.current_version)
    try:
        with session.begin_nested():
            do_record_decision(
                session, page, kind, version=version, comment=comment, by=by
            )
    except SignoffError as refusal:
        return PageDecision(
            page.id, public_id, False, reason=refusal.message, title=page.title
        )
    return PageDecision(page.id, public_id, True, version=version, title=page.title)
