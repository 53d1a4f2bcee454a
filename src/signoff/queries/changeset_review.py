"""A change set read as one review: each page's latest review in a few words, and the
full sections of one screen of pages.

`review_notes` serves every page of the set (the detail's table, the review page's
table of contents) from what a review stored when it opened (`change_summary`) and
three statements however many pages; `review_sections` compares bodies (a review's
pair, `queries.page_compare.review_pair`, or for a decided one what it changed), so
it is asked for one screen of pages at a time (`SCREEN_SIZE`), never the whole set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signoff.db.models import (
    ApprovalRequest,
    ChangeSetPage,
    Decision,
    Page,
    RequestStep,
    User,
)
from signoff.domain.states import DecisionKind, RequestStatus, StepStatus
from signoff.queries.facts import get_version
from signoff.queries.page_compare import (
    VersionComparison,
    compare_versions,
    review_pair,
)
from signoff.queries.status import PageStatus, page_status

SCREEN_SIZE = 20
"""Pages whose sections one screen of the review page shows (and compares)."""


@dataclass(frozen=True)
class Rejection:
    """One rejecting decision of a page's latest review: who, and their reason."""

    by: str
    comment: str


@dataclass(frozen=True)
class ReviewNote:
    """A page's latest review in a few words: what it changes (as measured when it
    opened; None for a first version), the step it waits on, and its rejections."""

    change_summary: str | None = None
    current_step: str | None = None
    rejections: tuple[Rejection, ...] = ()


def review_notes(session: Session, change_set_id: int) -> dict[int, ReviewNote]:
    """Each page of the set that has a review, by page id; three statements."""
    latest = _latest_requests(change_set_id)
    reviews = session.execute(
        select(
            ApprovalRequest.id, ChangeSetPage.page_id, ApprovalRequest.change_summary
        )
        .join(Page, Page.latest_request_id == ApprovalRequest.id)
        .join(ChangeSetPage, ChangeSetPage.page_id == Page.id)
        .where(ChangeSetPage.change_set_id == change_set_id)
    ).all()
    steps: dict[int, str] = {}
    for request_id, name in session.execute(
        select(RequestStep.request_id, RequestStep.name)
        .where(
            RequestStep.request_id.in_(latest),
            RequestStep.status == StepStatus.active,
        )
        .order_by(RequestStep.request_id, RequestStep.position)
    ):
        steps.setdefault(request_id, name)
    rejections: dict[int, list[Rejection]] = {}
    for request_id, name, comment in session.execute(
        select(Decision.request_id, User.display_name, Decision.comment)
        .join(User, User.id == Decision.approver_id)
        .where(Decision.request_id.in_(latest), Decision.kind == DecisionKind.reject)
        .order_by(Decision.id)
    ):
        rejections.setdefault(request_id, []).append(Rejection(name, comment))
    return {
        page_id: ReviewNote(
            summary, steps.get(request_id), tuple(rejections.get(request_id, ()))
        )
        for request_id, page_id, summary in reviews
    }


def _latest_requests(change_set_id: int) -> Select[Any]:
    """The latest review of each page of the set, as a subquery."""
    return (
        select(Page.latest_request_id)
        .join(ChangeSetPage, ChangeSetPage.page_id == Page.id)
        .where(ChangeSetPage.change_set_id == change_set_id)
    )


@dataclass(frozen=True)
class ReviewSection:
    """One page as the review page shows it: its status with its latest review's
    steps and decisions, and what that review changes (`comparison`), or, with
    nothing to compare, its current body."""

    page: Page
    status: PageStatus
    people: dict[str, str]
    """Display names of the people the review names, by account id."""
    comparison: VersionComparison | None
    body: str


def review_sections(session: Session, page_ids: Sequence[int]) -> list[ReviewSection]:
    """The sections of the pages `page_ids`, in the order given; each compares at
    most two bodies, so callers pass one screen of pages (`SCREEN_SIZE`)."""
    loaded = {
        page.id: page
        for page in session.scalars(select(Page).where(Page.id.in_(page_ids)))
    }
    read = []
    for page in (loaded[page_id] for page_id in page_ids):
        status = page_status(session, page)
        pair = review_pair(status, page.current_version) or _decided_pair(
            session, status
        )
        comparison = (
            compare_versions(session, page, pair[0], pair[1], why=pair[2])
            if pair
            else None
        )
        current = get_version(session, page.id, page.current_version)
        assert current is not None
        read.append((page, status, comparison, current.body))
    names = _names(session, [status for _, status, _, _ in read])
    return [
        ReviewSection(page, status, names, comparison, body)
        for page, status, comparison, body in read
    ]


def _decided_pair(session: Session, status: PageStatus) -> tuple[int, int, str] | None:
    """What an approved or rejected review changed, from the version it was measured
    against when it opened: a reviewer who just decided still sees what they read."""
    decided = status.request
    if decided is None or decided.status not in (
        RequestStatus.approved,
        RequestStatus.rejected,
    ):
        return None
    request = session.get(ApprovalRequest, decided.id)
    if request is None or request.change_from is None:
        return None
    return request.change_from, request.page_version, f"version {request.change_from}"


def _names(session: Session, statuses: Sequence[PageStatus]) -> dict[str, str]:
    """Display names of everyone the reviews name, in one statement."""
    named = {
        account
        for status in statuses
        if status.request is not None
        for account in (
            status.request.submitted_by,
            *(d.account_id for step in status.request.steps for d in step.decisions),
        )
    }
    if not named:
        return {}
    return dict(
        session.execute(
            select(User.account_id, User.display_name).where(User.account_id.in_(named))
        ).all()
    )
