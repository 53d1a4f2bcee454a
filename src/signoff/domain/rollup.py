"""One word for a whole change set, derived from its pages' latest reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signoff.domain.states import ApprovalStatus, RollupState


@dataclass(frozen=True)
class PageApproval:
    """A page as the rollup sees it: its latest request's status and staleness."""

    status: ApprovalStatus
    is_stale: bool = False

    @property
    def approved_current(self) -> bool:
        return self.status is ApprovalStatus.approved and not self.is_stale


def rollup_state(pages: Sequence[PageApproval]) -> RollupState:
    """The change set's state, most actionable first.

    A rejection outranks staleness: both need work, but a rejection says what.
    Staleness outranks approval: an approval that no longer covers the content is
    not an approval a pipeline should ship.
    """
    if all(page.status is ApprovalStatus.none for page in pages):
        return RollupState.open
    if any(page.status is ApprovalStatus.rejected for page in pages):
        return RollupState.has_rejections
    # An approval that lapsed (`expired`) needs a new review just as a stale one.
    if any(
        (page.status is ApprovalStatus.approved and page.is_stale)
        or page.status is ApprovalStatus.expired
        for page in pages
    ):
        return RollupState.stale
    if all(page.approved_current for page in pages):
        return RollupState.all_approved
    if any(page.approved_current for page in pages):
        return RollupState.partially_approved
    return RollupState.in_review
