"""The web's words for states: one table per concept, with every state in it."""

from __future__ import annotations

import pytest

from signoff.domain.standing import PageState
from signoff.domain.states import RollupState
from signoff.web.labels import (
    ROLLUP_LABELS,
    STATE_LABELS,
    lozenge,
    rollup_label,
    state_label,
)

# The byline badge's words, as the contract lists them.
BADGES = {
    "Draft",
    "In review",
    "Approved",
    "Rejected",
    "Stale",
    "Superseded",
    "Expired",
}


def test_every_page_state_has_words_and_they_are_the_contract_badges() -> None:
    assert set(STATE_LABELS) == set(PageState)
    assert set(STATE_LABELS.values()) == BADGES


def test_every_rollup_state_has_words() -> None:
    assert set(ROLLUP_LABELS) == set(RollupState)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("none", "Draft"),
        ("cancelled", "Draft"),
        ("pending", "In review"),
        ("stale", "Stale"),
        ("expired", "Expired"),
    ],
)
def test_a_state_reads_the_same_whether_given_as_a_state_or_its_value(
    state: str, words: str
) -> None:
    assert state_label(state) == state_label(PageState(state)) == words


def test_rollup_words_and_lozenge_classes() -> None:
    assert rollup_label("has_rejections") == "Has rejections"
    assert lozenge(RollupState.all_approved) == "lozenge-all_approved"
    assert lozenge(PageState.stale) == "lozenge-stale"


def test_a_state_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="withdrawn"):
        state_label("withdrawn")
