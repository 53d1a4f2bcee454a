"""What the web UI's page view and space page show: state, progress, history, diff.

A page's state comes from `domain.standing` like every other surface's; the words
for it are the web's (`web.labels`), and which byline buttons a person sees is
decided by the actions' own checks (`web.byline`), never here or in a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import ApprovalRequest, Page, PageVersion, Space, User, Workflow
from signoff.domain.standing import PageState, state_of
from signoff.domain.workflows import resolve_workflow
from signoff.queries.facts import (
    active_workflow_ids,
    get_version,
    latest_request,
    resolve_page_workflow,
)
from signoff.queries.page_approvals import (
    LATEST,
    approval_facts,
    approval_facts_select,
)
from signoff.queries.page_compare import (
    VersionComparison,
    compare_versions,
    review_pair,
)
from signoff.queries.page_refs import public_page_id
from signoff.queries.page_sources import SourceLink, page_source_link
from signoff.queries.status import PageStatus, page_status


def active_workflows(session: Session, space: Space) -> list[tuple[int, str]]:
    """The space's active workflows as (id, name), oldest first."""
    return named_workflows(session, active_workflow_ids(session, space.id))


def named_workflows(session: Session, ids: Sequence[int]) -> list[tuple[int, str]]:
    """The workflows `ids` as (id, name), oldest first."""
    if not ids:
        return []
    return [
        (row.id, row.name)
        for row in session.scalars(
            select(Workflow).where(Workflow.id.in_(ids)).order_by(Workflow.id)
        )
    ]


@dataclass(frozen=True)
class HistoryEntry:
    number: int
    title: str
    message: str
    created_at: datetime
    author: str


@dataclass(frozen=True)
class PageScreen:
    space_key: str
    space_name: str
    page_id: int
    public_id: str
    """The page's id as clients name it, in its links (`queries.page_refs`)."""
    title: str
    body: str
    version: int
    state: PageState
    """What the page reads as (`domain.standing`): the byline badge's state."""
    status: PageStatus
    workflow: str | None
    people: dict[str, str]
    history: list[HistoryEntry]
    comparison: VersionComparison | None = None
    """What the review changes: the version under review against the approved
    one (or the one before), or the current version against a stale approval."""
    source: SourceLink | None = None
    """Where the page is kept, for a page Signoff does not store itself."""
    overridden_versions: frozenset[int] = frozenset()
    """The versions whose review a space admin overrode (`actions.overrides`): the
    version history marks them."""


def overridden_versions(session: Session, page: Page) -> frozenset[int]:
    """The page's versions whose review was overridden, through the requests' page
    index (overrides are few, and only they are read back)."""
    return frozenset(
        session.scalars(
            select(ApprovalRequest.page_version).where(
                ApprovalRequest.page_id == page.id,
                ApprovalRequest.overridden_by.is_not(None),
            )
        )
    )


def page_screen(session: Session, page: Page) -> PageScreen:
    """Everything the page view shows about `page` to someone who may read it; the
    byline's buttons depend on who that is (`web.byline`)."""
    space = session.get(Space, page.space_id)
    assert space is not None
    current = get_version(session, page.id, page.current_version)
    assert current is not None
    status = page_status(session, page)
    request = latest_request(session, page)
    workflow_id = (
        request.workflow_id
        if request is not None
        else resolve_page_workflow(session, page, strict=True).workflow_id
    )
    workflow = session.get(Workflow, workflow_id) if workflow_id else None
    named = set()
    if status.request is not None:
        named = {status.request.submitted_by} | {
            decision.account_id
            for step in status.request.steps
            for decision in step.decisions
        }
    people = {
        row.account_id: row.display_name
        for row in session.execute(
            select(User.account_id, User.display_name).where(User.account_id.in_(named))
        )
    }
    versions = session.execute(
        select(PageVersion, User.display_name)
        .outerjoin(User, User.id == PageVersion.author_id)
        .where(PageVersion.page_id == page.id)
        .order_by(PageVersion.number.desc())
    ).all()
    history = [
        HistoryEntry(v.number, v.title, v.message, v.created_at, name or "—")
        for v, name in versions
    ]
    pair = review_pair(status, current.number)
    comparison = (
        compare_versions(session, page, pair[0], pair[1], why=pair[2]) if pair else None
    )
    return PageScreen(
        space_key=space.key,
        space_name=space.name,
        page_id=page.id,
        public_id=public_page_id(page),
        title=current.title,
        body=current.body,
        version=current.number,
        state=state_of(status.approval_status, is_stale=status.is_stale),
        status=status,
        workflow=workflow.name if workflow else None,
        people=people,
        history=history,
        comparison=comparison,
        source=page_source_link(session, page),
        overridden_versions=overridden_versions(session, page),
    )


@dataclass(frozen=True)
class TreeRow:
    page_id: int
    public_id: str
    """The page's id as clients name it, in its links (`queries.page_refs`)."""
    title: str
    depth: int
    state: PageState
    workflow: str | None
    changed_at: datetime | None
    resettable: bool = False
    """A decided review stands (`Standing.resettable`, as `do_reset_approval` asks):
    a space admin may reset it."""


def space_tree(session: Session, space: Space) -> list[TreeRow]:
    """The space's pages as a tree (parents before children) with their status.

    Three statements however many pages: the pages with their approval facts, the
    space's workflows, and which of them are active.
    """
    rows = session.execute(
        approval_facts_select(
            Page.parent_id,
            Page.workflow_id,
            LATEST.workflow_id,
            LATEST.created_at,
            LATEST.completed_at,
        )
        .where(Page.space_id == space.id)
        .order_by(Page.title, Page.id)
    ).all()
    names = dict(
        session.execute(
            select(Workflow.id, Workflow.name).where(Workflow.space_id == space.id)
        ).all()
    )
    active = active_workflow_ids(session, space.id)
    children: dict[int | None, list[TreeRow]] = {}
    parents: dict[int, int | None] = {}
    for row in rows:
        parent_id, explicit, request_workflow, created, completed = tuple(row)[:5]
        facts = approval_facts(row, offset=5)
        workflow_id = (
            request_workflow
            if facts.latest_request_id is not None
            else resolve_workflow(
                explicit=explicit,
                space_default=space.default_workflow_id,
                active=active,
                strict=True,
            ).workflow_id
        )
        parents[facts.page_id] = parent_id
        children.setdefault(parent_id, []).append(
            TreeRow(
                facts.page_id,
                facts.public_id,
                facts.title,
                0,
                facts.state,
                names.get(workflow_id) if workflow_id else None,
                (completed or created) if facts.latest_request_id else None,
                facts.standing.resettable,
            )
        )
    # A page whose parent is not in this space is shown at the top level.
    roots = [
        row for key, rows_ in children.items() if key not in parents for row in rows_
    ]
    roots.sort(key=lambda row: (row.title, row.page_id))
    tree: list[TreeRow] = []

    def walk(level: list[TreeRow], depth: int) -> None:
        for row in level:
            tree.append(replace(row, depth=depth))
            walk(children.get(row.page_id, []), depth + 1)

    walk(roots, 0)
    return tree
