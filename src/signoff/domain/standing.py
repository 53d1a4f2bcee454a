"""A page's standing: the one rule for its approval status and whether it is covered.

Every surface that shows a page's approval (preflight, `GET /api/v1/pages/status`, the
`signoff-approval` property, the byline, the space page, the queue, change sets and
their rollup) derives it here from the same three facts, so no two can disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from signoff.domain.states import ApprovalStatus, RequestStatus, StaleOn
from signoff.domain.versions import VersionRef, is_stale, version_delta


class PageState(StrEnum):
    """What a person reads about a page: its approval status, with an approval the
    page has moved away from (`stale`) told apart from one that covers it."""

    none = "none"
    pending = "pending"
    approved = "approved"
    stale = "stale"
    rejected = "rejected"
    cancelled = "cancelled"
    superseded = "superseded"
    expired = "expired"


def state_of(status: ApprovalStatus | RequestStatus, *, is_stale: bool) -> PageState:
    """The state shown for `status`: an approval the page moved away from is stale."""
    if status == ApprovalStatus.approved and is_stale:
        return PageState.stale
    return PageState(status.value)


@dataclass(frozen=True)
class StandingApproval:
    """The approval a page stands on: the version it covered, and its workflow's
    `staleOn` rule (snapshotted on the request) for what counts as a change."""

    version: VersionRef
    stale_on: StaleOn
    submitted_at: datetime | None = None
    """When its review was submitted (only a change set's view asks)."""


@dataclass(frozen=True)
class Review:
    """The page's latest review as the standing reads it: its status, and when it
    was submitted (only a change set's view asks)."""

    status: ApprovalStatus | RequestStatus
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Standing:
    """A page's approval as every surface reports it.

    `approval_status` is the status clients read (`none` when never submitted);
    `approved_at_version` the version of the standing approval (None without one);
    `is_stale` whether the page has moved away from it; `version_delta` how many
    versions it moved since (no-op saves count). Built by `page_standing`; the
    defaults let the rollup's tests name a standing by its status alone.
    """

    approval_status: ApprovalStatus
    is_stale: bool = False
    approved_at_version: int | None = None
    version_delta: int = 0

    @property
    def state(self) -> PageState:
        return state_of(self.approval_status, is_stale=self.is_stale)

    @property
    def approved_current(self) -> bool:
        """Approved, and the approval covers the current version."""
        return self.state is PageState.approved

    @property
    def resettable(self) -> bool:
        """A decided review stands (an approval, current or stale, or a rejection):
        a space admin may return the page to draft."""
        return self.approval_status in (
            ApprovalStatus.approved,
            ApprovalStatus.rejected,
        )

    @property
    def covers_current(self) -> bool:
        """A standing approval covers the current version (submit has nothing to
        ask for), whatever review has been opened since."""
        return self.approved_at_version is not None and not self.is_stale


def page_standing(
    latest: ApprovalStatus | RequestStatus | None,
    approval: StandingApproval | None,
    current: VersionRef,
) -> Standing:
    """The page's standing from its latest review's status (None: never submitted),
    the approval it stands on (None: none) and its current version.

    The latest review decides the status, with one exception: an approval that
    covers the current version makes the page `approved` unless a review is pending.
    A review that was withdrawn, superseded or rejected after the approval, on
    content the page has since gone back from, changes nothing about what is
    approved now: preflight refuses to submit the page again ("Already approved at
    this version"), so every surface must say it is approved.
    """
    status = ApprovalStatus.none if latest is None else ApprovalStatus(latest.value)
    if approval is None:
        return Standing(status)
    stale = is_stale(approval.version, current, approval.stale_on)
    if not stale and status is not ApprovalStatus.pending:
        status = ApprovalStatus.approved
    return Standing(
        approval_status=status,
        is_stale=stale,
        approved_at_version=approval.version.number,
        version_delta=version_delta(approval.version.number, current.number),
    )


def change_set_standing(
    joined_at: datetime,
    latest: Review | None,
    approval: StandingApproval | None,
    current: VersionRef,
) -> Standing:
    """The page's standing as a change set it joined at `joined_at` counts it.

    A set counts the reviews submitted since the page joined it, a review still
    pending (it will decide the page whenever it began), and an approval that still
    covers the current version (submit would refuse to ask again). An outcome that
    came before, a rejection or an approval the page has moved away from, belongs to
    an earlier piece of work: it does not make a fresh set read `has_rejections` or
    `stale`, and the page reads as not yet submitted in it.
    """
    if latest is not None and not _counted(latest, joined_at):
        latest = None
    if (
        approval is not None
        and not _since(approval.submitted_at, joined_at)
        and is_stale(approval.version, current, approval.stale_on)
    ):
        approval = None
    return page_standing(latest.status if latest else None, approval, current)


def _counted(review: Review, joined_at: datetime) -> bool:
    return review.status == ApprovalStatus.pending or _since(
        review.submitted_at, joined_at
    )


def _since(at: datetime | None, joined_at: datetime) -> bool:
    return at is None or at >= joined_at
