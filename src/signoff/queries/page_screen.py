"""What the web UI's page view shows: badge, byline buttons, progress, history, diff.

The rules about which byline buttons a person sees live here (and in the domain
functions they call), never in a template, so the UI offers exactly what the actions
would accept.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import space_role
from signoff.content import normalise_body
from signoff.db.models import Page, PageVersion, Space, User, Workflow
from signoff.domain.states import ApprovalStatus, RequestStatus, Role
from signoff.domain.steps import can_decide
from signoff.queries.facts import (
    active_workflow_ids,
    get_version,
    latest_request,
    request_exclusions,
    resolve_page_workflow,
    step_decisions,
    step_seats,
)
from signoff.queries.status import PageStatus, page_status

BADGES: dict[ApprovalStatus, str] = {
    ApprovalStatus.none: "Draft",
    ApprovalStatus.cancelled: "Draft",
    ApprovalStatus.pending: "In review",
    ApprovalStatus.approved: "Approved",
    ApprovalStatus.rejected: "Rejected",
    ApprovalStatus.superseded: "Superseded",
    ApprovalStatus.expired: "Expired",
}


def badge(status: ApprovalStatus, *, is_stale: bool) -> str:
    """The byline's badge: `Stale` when the approval no longer covers the page."""
    if status is ApprovalStatus.approved and is_stale:
        return "Stale"
    return BADGES[status]


@dataclass(frozen=True)
class Buttons:
    """Which byline buttons a person sees; `workflows` fills the picker when set."""

    request_approval: bool = False
    workflows: tuple[tuple[int, str], ...] = ()
    decide: bool = False
    withdraw: bool = False
    edit: bool = False


def byline_buttons(session: Session, page: Page, user: User) -> Buttons:
    """The buttons `user` may use on `page` now, by the rules the actions apply."""
    role = space_role(session, user, page.space_id)
    if role is None:
        return Buttons()
    editor = role.includes(Role.editor)
    request = latest_request(session, page)
    pending = request is not None and request.status == RequestStatus.pending
    decide = withdraw = False
    if request is not None and pending:
        step = request.steps[request.current_step or 0]
        decide = (
            can_decide(
                person=user.id,
                status=RequestStatus(request.status),
                seats=step_seats(session, step),
                excluded=request_exclusions(request),
                decided=step_decisions(session, step),
            )
            is None
        )
        withdraw = request.submitted_by == user.id or role.includes(Role.admin)
    status = page_status(session, page)
    approved_current = (
        status.approval_status is ApprovalStatus.approved and not status.is_stale
    )
    can_request = editor and not pending and not approved_current
    workflows: tuple[tuple[int, str], ...] = ()
    if can_request:
        resolution = resolve_page_workflow(session, page, strict=True)
        if resolution.ambiguous:
            space = session.get(Space, page.space_id)
            assert space is not None
            workflows = tuple(active_workflows(session, space))
        can_request = resolution.workflow_id is not None or bool(workflows)
    return Buttons(can_request, workflows, decide, withdraw, editor)


def active_workflows(session: Session, space: Space) -> list[tuple[int, str]]:
    """The space's active workflows as (id, name), oldest first."""
    ids = active_workflow_ids(session, space.id)
    return [
        (row.id, row.name)
        for row in session.scalars(
            select(Workflow).where(Workflow.id.in_(ids)).order_by(Workflow.id)
        )
    ]


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: `kind` is `same`, `added` or `removed`."""

    kind: str
    text: str


_BETWEEN_TAGS = re.compile(r"(?<=>)(?=<)")


def _lines(body: str) -> list[str]:
    return [line for line in _BETWEEN_TAGS.split(normalise_body(body)) if line]


def body_diff(old: str, new: str) -> list[DiffLine]:
    """A line diff of two bodies' normalised text, one element per line."""
    lines: list[DiffLine] = []
    kinds = {" ": "same", "+": "added", "-": "removed"}
    for entry in difflib.ndiff(_lines(old), _lines(new)):
        if entry[0] in kinds:
            lines.append(DiffLine(kinds[entry[0]], entry[2:]))
    return lines


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
    title: str
    body: str
    version: int
    badge: str
    status: PageStatus
    workflow: str | None
    buttons: Buttons
    people: dict[str, str]
    history: list[HistoryEntry]
    diff: list[DiffLine]


def page_screen(session: Session, page: Page, user: User) -> PageScreen:
    """Everything the page view shows to `user` (who may already read the page)."""
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
    diff: list[DiffLine] = []
    if status.is_stale and status.approved_at_version is not None:
        approved = get_version(session, page.id, status.approved_at_version)
        if approved is not None:
            diff = body_diff(approved.body, current.body)
    return PageScreen(
        space_key=space.key,
        space_name=space.name,
        page_id=page.id,
        title=current.title,
        body=current.body,
        version=current.number,
        badge=badge(status.approval_status, is_stale=status.is_stale),
        status=status,
        workflow=workflow.name if workflow else None,
        buttons=byline_buttons(session, page, user),
        people=people,
        history=history,
        diff=diff,
    )


@dataclass(frozen=True)
class TreeRow:
    page_id: int
    title: str
    depth: int
    badge: str
    workflow: str | None
    changed_at: datetime | None


def space_tree(session: Session, space: Space) -> list[TreeRow]:
    """The space's pages as a tree (parents before children) with their status."""
    pages = list(
        session.scalars(
            select(Page).where(Page.space_id == space.id).order_by(Page.title, Page.id)
        )
    )
    children: dict[int | None, list[Page]] = {}
    ids = {page.id for page in pages}
    for page in pages:
        parent = page.parent_id if page.parent_id in ids else None
        children.setdefault(parent, []).append(page)
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for page in children.get(parent, []):
            status = page_status(session, page)
            request = latest_request(session, page)
            workflow_id = (
                request.workflow_id
                if request is not None
                else resolve_page_workflow(session, page, strict=True).workflow_id
            )
            workflow = session.get(Workflow, workflow_id) if workflow_id else None
            changed = (
                (request.completed_at or request.created_at)
                if request is not None
                else None
            )
            rows.append(
                TreeRow(
                    page.id,
                    status.title,
                    depth,
                    badge(status.approval_status, is_stale=status.is_stale),
                    workflow.name if workflow else None,
                    changed,
                )
            )
            walk(page.id, depth + 1)

    walk(None, 0)
    return rows
