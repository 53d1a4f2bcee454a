"""Periodic re-review: when an approval is to be re-confirmed, and when its owner
hears of it first. Pure date arithmetic; `actions.rereviews` acts on the dates.

A re-review is not an expiry: the approval stays on record and the page keeps
standing on it while the new review runs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from signoff.domain.preflight import SubmitFacts, submit_blocker

MIN_DAYS, MAX_DAYS = 1, 3650
REMIND_AT_MOST = timedelta(days=7)


def reminder_lead(days: int) -> timedelta:
    """How long before the due date the owner is reminded: a week, or a tenth of the
    period when that is shorter, so a short period is not all reminder."""
    return min(REMIND_AT_MOST, timedelta(days=days) / 10)


def rereview_dates(
    approved_at: datetime, days: int | None
) -> tuple[datetime | None, datetime | None]:
    """(due, remind) for an approval given at `approved_at` under a period of
    `days`; (None, None) when the workflow asks for no re-review."""
    if days is None:
        return None, None
    due = approved_at + timedelta(days=days)
    return due, due - reminder_lead(days)


class Skip(StrEnum):
    """Why a due re-review opens nothing; audited once, as
    `approval.rereview_skipped`."""

    not_standing = "not_standing"
    """The approval no longer stands: stale, expired, superseded or reset."""
    not_required = "not_required"
    """The page's workflow no longer asks for re-review (or it has none)."""
    already_pending = "already_pending"
    """A review of the page is pending already: it is the re-review."""
    blocked = "blocked"
    """The submit rules refuse (no eligible approver, ambiguous workflow...)."""


def rereview_skip(
    facts: SubmitFacts, *, stands: bool, workflow_asks: bool
) -> tuple[Skip, str | None] | None:
    """Why the re-review of a standing approval may not open now, or None.

    The submit rules decide, less two of them: that the page is approved at this
    version is the point of a re-review, and nobody's right to submit is asked,
    since Signoff itself opens it."""
    if not stands:
        return Skip.not_standing, None
    if not workflow_asks:
        return Skip.not_required, None
    if facts.has_pending:
        return Skip.already_pending, None
    verdict = submit_blocker(replace(facts, may_submit=True, approved_current=False))
    if verdict.blocker is not None:
        return Skip.blocked, verdict.reason
    return None
