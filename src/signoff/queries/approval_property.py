"""The `signoff-approval` content property: a page's latest review, read live.

Nothing stores the property: it is computed from the same facts as `GET
/api/v1/pages/status` each time it is read, so it is always current and can never
disagree with the approval it mirrors. The Confluence Cloud approval apps keep such a
property per page; this one keeps their field names with Signoff's meanings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from signoff.db.models import ApprovalRequest, AuditEvent, Comment, Page, User
from signoff.domain.states import ApprovalStatus, DecisionKind, RequestStatus
from signoff.domain.steps import StepRule
from signoff.queries.facts import current_version, request_exclusions, step_rule
from signoff.queries.status import PageStatus, RequestView, StepView, page_status

APPROVAL_PROPERTY_KEY = "signoff-approval"
APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject


@dataclass(frozen=True)
class ApprovalValue:
    """The property's value, field by field (camelCase names in JSON).

    - `pending`: account ids of the current step's approvers (named users and the
      members of named groups) who have not decided and may decide (the submitter and
      the version's author are left out unless the workflow allows self-approval);
      empty once the review is over.
    - `approved` / `rejected`: account ids of everyone who approved / rejected in
      this review, any step, in the order they decided.
    - `commented`: account ids of those who gave a comment with their decision or
      replied in the review's comment thread, in order of first comment.
    - `status`: the page's approval status as `/api/v1` reports it (`pending`,
      `approved`, `rejected`, `cancelled`, `superseded`, `expired`), by the one rule
      of `domain.standing`: `approved` while an approval covers the current version
      and nothing is pending, even if the latest review (whose people the other
      fields list) was withdrawn; `isStale` says whether the page has moved on from
      an approved version.
    - `isComplete`: the review has ended (any status but `pending`);
      `completedAt` when it did.
    - `createdAt`, `createdBy`: when and by whom the review was submitted.
    - `latestVersionBy`: the author of the page's current version.
    - `minimumApprovers`: approvals the current step needs (its last step once the
      review is over): every seat for `all`, 1 for `any`, n for `quorum n`.
    - `minimumRejections`: rejections that fail that step.
    - `version`: the page version under review.
    """

    pending: list[str]
    approved: list[str]
    rejected: list[str]
    commented: list[str]
    status: ApprovalStatus
    is_stale: bool
    is_complete: bool
    created_at: datetime
    created_by: str
    completed_at: datetime | None
    latest_version_by: str | None
    minimum_approvers: int
    minimum_rejections: int
    version: int


@dataclass(frozen=True)
class ApprovalProperty:
    """The value with the property's own version: one more per approval event."""

    page_id: int
    value: ApprovalValue
    number: int
    changed_at: datetime
    changed_by: str | None


def approval_property(session: Session, page: Page) -> ApprovalProperty | None:
    """The page's property, or None when the page has never been submitted."""
    status = page_status(session, page)
    if status.request is None:
        return None
    request = session.get(ApprovalRequest, status.request.id)
    assert request is not None
    value = _value(session, page, status, status.request, request)
    number, changed_at, changed_by = _history(session, page)
    return ApprovalProperty(
        page.id, value, number, changed_at or request.created_at, changed_by
    )


def _value(
    session: Session,
    page: Page,
    status: PageStatus,
    view: RequestView,
    request: ApprovalRequest,
) -> ApprovalValue:
    decisions = [d for step in view.steps for d in step.decisions]
    commenters = [d.account_id for d in decisions if d.comment]
    commenters += _thread_commenters(session, request)
    step_index = _reported_step(request)
    step = request.steps[step_index]
    rule: StepRule = step_rule(step)
    author = session.get(User, current_version(session, page).author_id or 0)
    return ApprovalValue(
        pending=_pending(session, request, view.steps[step_index]),
        approved=_unique(d.account_id for d in decisions if d.decision is APPROVE),
        rejected=_unique(d.account_id for d in decisions if d.decision is REJECT),
        commented=_unique(commenters),
        status=status.approval_status,
        is_stale=status.is_stale,
        is_complete=request.status != RequestStatus.pending,
        created_at=request.created_at,
        created_by=view.submitted_by,
        completed_at=request.completed_at,
        latest_version_by=author.account_id if author else None,
        minimum_approvers=rule.approvals_needed(len(step.seats)),
        minimum_rejections=rule.min_rejections,
        version=request.page_version,
    )


def _reported_step(request: ApprovalRequest) -> int:
    """The current step; once the review is over, the last step that ran."""
    if request.current_step is not None:
        return request.current_step
    ran = [s.position for s in request.steps if s.status in ("approved", "rejected")]
    return ran[-1] if ran else 0


def _pending(session: Session, request: ApprovalRequest, step: StepView) -> list[str]:
    if request.status != RequestStatus.pending:
        return []
    decided = {d.account_id for d in step.decisions}
    excluded = set(
        session.scalars(
            select(User.account_id).where(User.id.in_(request_exclusions(request)))
        )
    )
    return _unique(
        person.account_id
        for person in step.approvers
        if person.account_id not in decided | excluded
    )


def _thread_commenters(session: Session, request: ApprovalRequest) -> list[str]:
    rows = session.execute(
        select(User.account_id)
        .join(Comment, Comment.author_id == User.id)
        .where(Comment.page_id == request.page_id, Comment.request_id == request.id)
        .order_by(Comment.id)
    )
    return [account_id for (account_id,) in rows]


def _history(session: Session, page: Page) -> tuple[int, datetime | None, str | None]:
    """How many events changed the property, and the last one's time and actor."""
    changes = and_(
        AuditEvent.page_id == page.id,
        or_(
            AuditEvent.action.like("approval.%"),
            and_(
                AuditEvent.action == "comment.created",
                AuditEvent.request_id.is_not(None),
            ),
        ),
    )
    row = session.execute(
        select(func.count(), func.max(AuditEvent.id)).where(changes)
    ).one()
    count: int = row[0]
    last_id: int | None = row[1]
    if last_id is None:
        return 1, None, None
    last = session.get(AuditEvent, last_id)
    assert last is not None
    actor = session.get(User, last.actor_id) if last.actor_id else None
    return int(count), last.at, actor.account_id if actor else None


def _unique(account_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(account_ids))
