"""Change sets as clients read them: the space's list and one set's detail.

Every page's approval facts come from one joined statement per call, for a single set
or all sets of a space, so the cost never multiplies by the number of pages. `/api/v1`
writes these values (`api/v1/shapes/changesets.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from signoff.db.models import ChangeSet, ChangeSetPage, Page, User
from signoff.domain.rollup import rollup_state
from signoff.domain.states import ChangeSetStatus, RollupState
from signoff.queries.page_approvals import (
    PageApprovalFacts,
    approval_facts,
    approval_facts_select,
)


@dataclass(frozen=True)
class ChangeSetView:
    """A change set as listed; `page_refs` in the set's order, with their facts.

    `rollup_state` is derived from the facts of `page_refs` (`domain.rollup`). The
    list shape names each page only (`pageRefs: [{pageId}]`); `ChangeSetDetail`
    shows the facts as well.
    """

    id: int
    space_id: int
    title: str
    summary: str
    reference_url: str | None
    status: ChangeSetStatus
    rollup_state: RollupState
    page_refs: tuple[PageApprovalFacts, ...]
    created_at: datetime
    created_by: str | None
    """The creator's account id; None once no account is recorded."""


@dataclass(frozen=True)
class ChangeSetDetail(ChangeSetView):
    """One change set with each page ref enriched by its approval facts."""


def list_change_sets(session: Session, space_id: int) -> list[ChangeSetView]:
    """The space's change sets, newest first; two statements however many pages."""
    rows = session.execute(
        select(ChangeSet, User.account_id)
        .outerjoin(User, User.id == ChangeSet.created_by)
        .where(ChangeSet.space_id == space_id)
        .order_by(ChangeSet.id.desc())
    ).all()
    refs = _page_refs(session, ChangeSet.space_id == space_id)
    return [
        _view(ChangeSetView, change_set, account, refs[change_set.id])
        for change_set, account in rows
    ]


def change_set_detail(session: Session, change_set: ChangeSet) -> ChangeSetDetail:
    """One change set with every page's facts; two statements however many pages."""
    account = (
        session.scalar(select(User.account_id).where(User.id == change_set.created_by))
        if change_set.created_by is not None
        else None
    )
    refs = _page_refs(session, ChangeSet.id == change_set.id)
    return _view(ChangeSetDetail, change_set, account, refs[change_set.id])


View = TypeVar("View", bound=ChangeSetView)


def _page_refs(
    session: Session, where: ColumnElement[bool]
) -> defaultdict[int, list[PageApprovalFacts]]:
    """Each matching change set's pages, in order, with their approval facts as the
    set counts them: since each page joined it (`domain.standing`)."""
    query = (
        approval_facts_select(ChangeSetPage.change_set_id, ChangeSetPage.joined_at)
        .join(ChangeSetPage, ChangeSetPage.page_id == Page.id)
        .join(ChangeSet, ChangeSet.id == ChangeSetPage.change_set_id)
        .where(where)
        .order_by(ChangeSetPage.change_set_id, ChangeSetPage.position)
    )
    refs: defaultdict[int, list[PageApprovalFacts]] = defaultdict(list)
    for row in session.execute(query):
        refs[row[0]].append(approval_facts(row, offset=2, joined_at=row[1]))
    return refs


def _view(
    kind: type[View],
    change_set: ChangeSet,
    created_by: str | None,
    refs: list[PageApprovalFacts],
) -> View:
    return kind(
        id=change_set.id,
        space_id=change_set.space_id,
        title=change_set.title,
        summary=change_set.summary,
        reference_url=change_set.reference_url,
        status=ChangeSetStatus(change_set.status),
        rollup_state=rollup_state([ref.rollup_input for ref in refs]),
        page_refs=tuple(refs),
        created_at=change_set.created_at,
        created_by=created_by,
    )


def change_set_page_ids(session: Session, change_set_id: int) -> list[int]:
    """The pages of a change set, in order."""
    return list(
        session.scalars(
            select(ChangeSetPage.page_id)
            .where(ChangeSetPage.change_set_id == change_set_id)
            .order_by(ChangeSetPage.position)
        )
    )
