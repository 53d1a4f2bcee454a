"""The words the web UI shows for states: one table per concept, every state in it.

A page's state (`domain.standing.PageState`) reads the same on the byline badge, the
space page, the queue and a change set's pages; a change set's rollup has its own
words. Templates call `state_label`, `rollup_label` and `lozenge` (Jinja globals, see
`web.templating`), so no screen keeps a table of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from signoff.domain.standing import PageState
from signoff.domain.states import RollupState

STATE_LABELS: Mapping[PageState, str] = {
    PageState.none: "Draft",
    # A withdrawn review leaves the page as it was before it: not under review.
    PageState.cancelled: "Draft",
    PageState.pending: "In review",
    PageState.approved: "Approved",
    PageState.stale: "Stale",
    PageState.rejected: "Rejected",
    PageState.superseded: "Superseded",
    PageState.expired: "Expired",
}
"""The byline badge's words (the contract's seven), for every state a page can be
in."""

ROLLUP_LABELS: Mapping[RollupState, str] = {
    RollupState.open: "Open",
    RollupState.in_review: "In review",
    RollupState.partially_approved: "Partially approved",
    RollupState.all_approved: "All approved",
    RollupState.has_rejections: "Has rejections",
    RollupState.stale: "Stale",
}


def state_label(state: PageState | str) -> str:
    """The words for a page's state (a `PageState`, or its value)."""
    return STATE_LABELS[PageState(state)]


def rollup_label(state: RollupState | str) -> str:
    return ROLLUP_LABELS[RollupState(state)]


def lozenge(state: PageState | RollupState | str) -> str:
    """The CSS class that colours a state's lozenge (`lozenge-<value>`)."""
    return f"lozenge-{state}"  # a StrEnum formats as its value
