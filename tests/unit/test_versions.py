"""Version awareness: what an edit does to a pending review and to a standing approval.

`staleOn: content` treats a save with the approved content hash as no change;
`staleOn: version` treats every new version as a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import pytest

from signoff.domain.states import StaleOn
from signoff.domain.versions import (
    VersionRef,
    goes_stale,
    is_stale,
    same_content,
    supersedes,
    version_delta,
)

CONTENT = StaleOn.content
VERSION = StaleOn.version


def v(number: int, content: str) -> VersionRef:
    return VersionRef(number, f"hash-of-{content}")


@pytest.mark.parametrize(
    ("a", "b", "stale_on", "same"),
    [
        pytest.param(v(3, "A"), v(3, "A"), CONTENT, True, id="same-version-content"),
        pytest.param(v(3, "A"), v(3, "A"), VERSION, True, id="same-version-version"),
        pytest.param(
            v(3, "A"), v(4, "A"), CONTENT, True, id="no-op-save-under-content"
        ),
        pytest.param(
            v(3, "A"), v(4, "A"), VERSION, False, id="no-op-save-under-version"
        ),
        pytest.param(
            v(3, "A"), v(4, "B"), CONTENT, False, id="real-edit-under-content"
        ),
        pytest.param(
            v(3, "A"), v(4, "B"), VERSION, False, id="real-edit-under-version"
        ),
        pytest.param(
            v(3, "A"), v(7, "A"), CONTENT, True, id="edited-and-reverted-under-content"
        ),
    ],
)
def test_same_content_depends_on_what_stale_on_counts_as_a_change(
    a: VersionRef, b: VersionRef, stale_on: StaleOn, same: bool
) -> None:
    assert same_content(a, b, stale_on) is same


@pytest.mark.parametrize(
    ("approved", "current", "stale_on", "stale"),
    [
        pytest.param(None, v(1, "A"), CONTENT, False, id="never-approved-content"),
        pytest.param(None, v(1, "A"), VERSION, False, id="never-approved-version"),
        pytest.param(v(2, "A"), v(2, "A"), CONTENT, False, id="current-is-approved"),
        pytest.param(
            v(2, "A"), v(2, "A"), VERSION, False, id="current-is-approved-version"
        ),
        pytest.param(
            v(2, "A"), v(3, "A"), CONTENT, False, id="no-op-save-under-content"
        ),
        pytest.param(
            v(2, "A"), v(3, "A"), VERSION, True, id="no-op-save-under-version"
        ),
        pytest.param(v(2, "A"), v(3, "B"), CONTENT, True, id="real-edit-under-content"),
        pytest.param(v(2, "A"), v(3, "B"), VERSION, True, id="real-edit-under-version"),
        pytest.param(
            v(2, "A"), v(5, "A"), CONTENT, False, id="reverted-to-approved-content"
        ),
        pytest.param(
            v(2, "A"),
            v(5, "A"),
            VERSION,
            True,
            id="reverted-content-is-still-a-new-version",
        ),
        pytest.param(
            v(4, "A"), v(3, "B"), VERSION, False, id="older-version-is-never-stale"
        ),
    ],
)
def test_approval_is_stale_when_the_current_version_is_not_covered(
    approved: VersionRef | None, current: VersionRef, stale_on: StaleOn, stale: bool
) -> None:
    assert is_stale(approved, current, stale_on) is stale


@pytest.mark.parametrize(
    ("approved_at", "current", "delta"),
    [
        pytest.param(None, 4, 0, id="never-approved"),
        pytest.param(4, 4, 0, id="approved-at-current"),
        pytest.param(3, 4, 1, id="one-behind"),
        pytest.param(2, 7, 5, id="five-behind"),
        pytest.param(5, 4, 0, id="never-negative"),
    ],
)
def test_version_delta_is_current_minus_approved(
    approved_at: int | None, current: int, delta: int
) -> None:
    assert version_delta(approved_at, current) == delta


@pytest.mark.parametrize(
    ("new", "expire_on_edit", "stale_on", "superseded"),
    [
        pytest.param(v(3, "B"), True, CONTENT, True, id="real-edit-under-content"),
        pytest.param(v(3, "B"), True, VERSION, True, id="real-edit-under-version"),
        pytest.param(v(3, "A"), True, CONTENT, False, id="no-op-save-under-content"),
        pytest.param(v(3, "A"), True, VERSION, True, id="no-op-save-under-version"),
        pytest.param(
            v(3, "B"), False, CONTENT, False, id="no-expiry-real-edit-under-content"
        ),
        pytest.param(
            v(3, "B"), False, VERSION, False, id="no-expiry-real-edit-under-version"
        ),
        pytest.param(
            v(3, "A"), False, VERSION, False, id="no-expiry-no-op-save-under-version"
        ),
    ],
)
def test_edit_supersedes_a_pending_review_only_when_it_expires_and_content_changed(
    new: VersionRef, expire_on_edit: bool, stale_on: StaleOn, superseded: bool
) -> None:
    pending = v(2, "A")
    assert (
        supersedes(pending, new, expire_on_edit=expire_on_edit, stale_on=stale_on)
        is superseded
    )


APPROVED_V2 = v(2, "A")


@pytest.mark.parametrize(
    ("previous", "new", "stale_on", "transition"),
    [
        pytest.param(
            v(2, "A"), v(3, "B"), CONTENT, True, id="first-real-edit-after-approval"
        ),
        pytest.param(
            v(2, "A"), v(3, "B"), VERSION, True, id="first-edit-after-approval-version"
        ),
        pytest.param(v(3, "B"), v(4, "C"), CONTENT, False, id="already-stale"),
        pytest.param(v(3, "B"), v(4, "C"), VERSION, False, id="already-stale-version"),
        pytest.param(v(2, "A"), v(3, "A"), CONTENT, False, id="no-op-save-content"),
        pytest.param(v(2, "A"), v(3, "A"), VERSION, True, id="no-op-save-version"),
        pytest.param(
            v(3, "A"),
            v(4, "B"),
            CONTENT,
            True,
            id="away-from-approved-content-after-a-no-op-save",
        ),
        pytest.param(
            v(3, "B"), v(4, "A"), CONTENT, False, id="back-to-approved-content"
        ),
        pytest.param(
            v(4, "A"),
            v(5, "B"),
            CONTENT,
            True,
            id="away-again-after-returning-to-approved-content",
        ),
        pytest.param(
            v(4, "A"),
            v(5, "B"),
            VERSION,
            False,
            id="returning-to-approved-content-does-not-unstale-under-version",
        ),
    ],
)
def test_goes_stale_only_on_the_transition_away_from_approved_content(
    previous: VersionRef, new: VersionRef, stale_on: StaleOn, transition: bool
) -> None:
    assert goes_stale(APPROVED_V2, previous, new, stale_on) is transition


@pytest.mark.parametrize(
    ("stale_on", "moments"),
    [
        pytest.param(CONTENT, [False, True, False, False, True], id="content"),
        pytest.param(VERSION, [True, False, False, False, False], id="version"),
    ],
)
def test_edit_history_records_each_move_away_from_approved_content_once(
    stale_on: StaleOn, moments: Sequence[bool]
) -> None:
    # Approved at v2 (A); then: no-op save, edit, edit, revert to A, edit again.
    history = [v(2, "A"), v(3, "A"), v(4, "B"), v(5, "C"), v(6, "A"), v(7, "D")]
    seen = [
        goes_stale(APPROVED_V2, previous, new, stale_on)
        for previous, new in pairwise(history)
    ]
    assert seen == moments
