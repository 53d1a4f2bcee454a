"""Claims on a review: an approver says "I'm reviewing this" so that the other
holders of the step's seats (a team's group seat, or fellow approvers) do not
duplicate the work.

A claim is advisory: it never stops another seat holder from deciding. It counts
only while it is live (`claim_is_live`); a decision by its claimant, its step
completing or its review ending make it irrelevant without anything deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from signoff.domain.errors import BadInput


@dataclass(frozen=True)
class Claim:
    """A stored claim: who holds which step, and until when."""

    user_id: int
    step_id: int
    expires_at: datetime


class ClaimRefusal(StrEnum):
    """Why a claim or a release is refused."""

    held_by_other = "held_by_other"
    """Someone else holds a live claim on the step."""
    not_held = "not_held"
    """A release, with no live claim of the person's to release."""


def claim_is_live(
    claim: Claim,
    *,
    current_step_id: int | None,
    claimant_decided: bool,
    now: datetime,
) -> bool:
    """Whether `claim` still counts at `now`.

    `current_step_id` is the active step of the page's pending review (None when no
    review is pending). A claim on any other step, one whose claimant has decided,
    and one past its expiry are all gone, whether or not the row still exists.
    """
    return (
        claim.step_id == current_step_id
        and not claimant_decided
        and now < claim.expires_at
    )


def claim_refusal(live: Claim | None, *, person: int) -> ClaimRefusal | None:
    """None when `person` (who may decide on the step) may claim it now.

    The claimant claiming again renews their claim; anyone else waits until it is
    released or lapses.
    """
    if live is not None and live.user_id != person:
        return ClaimRefusal.held_by_other
    return None


def release_refusal(live: Claim | None, *, person: int) -> ClaimRefusal | None:
    """None when `person` may release the step's claim: only its claimant may."""
    if live is None:
        return ClaimRefusal.not_held
    if live.user_id != person:
        return ClaimRefusal.held_by_other
    return None


def claim_expiry(now: datetime, hours: float) -> datetime:
    """When a claim made at `now` lapses by itself."""
    if not hours > 0:
        raise BadInput("A claim must last more than 0 hours.", field="hours")
    return now + timedelta(hours=hours)
