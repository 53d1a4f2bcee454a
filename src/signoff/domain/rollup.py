"""One word for a whole change set, derived from its pages' standings.

Each page counts by its `domain.standing.PageState`, the same state its byline, the
status API and the change-set detail show, so the rollup never reads a page
differently from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from signoff.domain.standing import PageState, Standing
from signoff.domain.states import RollupState

PageApproval = Standing
"""A page as the rollup sees it: its standing (`domain.standing`)."""


class HasState(Protocol):
    @property
    def state(self) -> PageState: ...


def rollup_state(pages: Sequence[HasState]) -> RollupState:
    """The change set's state, most actionable first.

    A rejection outranks staleness: both need work, but a rejection says what.
    Staleness outranks approval: an approval that no longer covers the content is
    not an approval a pipeline should ship.
    """
    states = [page.state for page in pages]
    if all(state is PageState.none for state in states):
        return RollupState.open
    if PageState.rejected in states:
        return RollupState.has_rejections
    # An approval that lapsed (`expired`) needs a new review just as a stale one.
    if PageState.stale in states or PageState.expired in states:
        return RollupState.stale
    if all(state is PageState.approved for state in states):
        return RollupState.all_approved
    if PageState.approved in states:
        return RollupState.partially_approved
    return RollupState.in_review
