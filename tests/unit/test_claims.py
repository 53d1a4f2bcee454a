"""The pure rules of a claim on a review: when it is live, who may claim or release
it, and how long it lasts (`SIGNOFF_CLAIM_HOURS`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from signoff.config import Settings
from signoff.domain.claims import (
    Claim,
    ClaimRefusal,
    claim_expiry,
    claim_is_live,
    claim_refusal,
    release_refusal,
)
from signoff.domain.errors import BadInput

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
CAROL, DAVE = 3, 4
CLAIM = Claim(user_id=CAROL, step_id=7, expires_at=NOW + timedelta(hours=4))


def test_a_claim_on_the_current_step_before_its_expiry_is_live() -> None:
    assert claim_is_live(CLAIM, current_step_id=7, claimant_decided=False, now=NOW)


@pytest.mark.parametrize(
    ("current_step_id", "claimant_decided", "now"),
    [
        (8, False, NOW),  # the step completed: the review moved on
        (None, False, NOW),  # the review ended, or was superseded
        (7, True, NOW),  # the claimant decided
        (7, False, NOW + timedelta(hours=4)),  # it expired
    ],
)
def test_a_claim_that_no_longer_applies_is_gone(
    current_step_id: int | None, claimant_decided: bool, now: datetime
) -> None:
    assert not claim_is_live(
        CLAIM,
        current_step_id=current_step_id,
        claimant_decided=claimant_decided,
        now=now,
    )


def test_someone_elses_live_claim_blocks_a_new_one() -> None:
    assert claim_refusal(CLAIM, person=DAVE) is ClaimRefusal.held_by_other


def test_the_claimant_may_claim_again_and_anyone_may_claim_an_unclaimed_step() -> None:
    assert claim_refusal(CLAIM, person=CAROL) is None
    assert claim_refusal(None, person=DAVE) is None


def test_only_the_claimant_releases_a_claim() -> None:
    assert release_refusal(CLAIM, person=CAROL) is None
    assert release_refusal(CLAIM, person=DAVE) is ClaimRefusal.held_by_other
    assert release_refusal(None, person=CAROL) is ClaimRefusal.not_held


def test_a_claim_lasts_the_hours_given() -> None:
    assert claim_expiry(NOW, 0.5) == NOW + timedelta(minutes=30)


@pytest.mark.parametrize("hours", [0.0, -1.0])
def test_a_claim_of_no_time_is_refused(hours: float) -> None:
    with pytest.raises(BadInput):
        claim_expiry(NOW, hours)


def test_claims_last_four_hours_unless_the_site_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SIGNOFF_CLAIM_HOURS", raising=False)
    assert Settings().claim_hours == 4.0
    monkeypatch.setenv("SIGNOFF_CLAIM_HOURS", "1.5")
    assert Settings().claim_hours == 1.5


@pytest.mark.parametrize("given", ["0", "-2", "721", "soon"])
def test_a_claim_duration_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("SIGNOFF_CLAIM_HOURS", given)
    with pytest.raises(ValidationError, match="claim_hours"):
        Settings()
