"""Version awareness: what an edit does to a review, and when an approval goes stale.

An approval covers exactly the version submitted. Under `staleOn: "content"` (the
default) a version whose normalised content hash equals the approved one counts as the
same content, so a no-op save neither supersedes a review nor makes an approval stale;
`staleOn: "version"` treats every new version as a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from signoff.domain.states import StaleOn


@dataclass(frozen=True)
class VersionRef:
    number: int
    content_hash: str


def same_content(a: VersionRef, b: VersionRef, stale_on: StaleOn) -> bool:
    """Whether `b` is covered by a decision on `a` under the workflow's rule."""
    if a.number == b.number:
        return True
    return stale_on is StaleOn.content and a.content_hash == b.content_hash


def is_stale(
    approved: VersionRef | None, current: VersionRef, stale_on: StaleOn
) -> bool:
    """An approval is stale when the current version is not covered by it."""
    if approved is None:
        return False
    return current.number > approved.number and not same_content(
        approved, current, stale_on
    )


def version_delta(approved_at: int | None, current: int) -> int:
    """How many versions the page moved since approval (counts no-op saves too)."""
    return 0 if approved_at is None else max(current - approved_at, 0)


def supersedes(
    pending: VersionRef, new: VersionRef, *, expire_on_edit: bool, stale_on: StaleOn
) -> bool:
    """Whether saving `new` supersedes a review pending on `pending`.

    Only when the workflow expires reviews on edit, and the content really changed.
    """
    return expire_on_edit and not same_content(pending, new, stale_on)


def goes_stale(
    approved: VersionRef, previous: VersionRef, new: VersionRef, stale_on: StaleOn
) -> bool:
    """Whether saving `new` is the moment an approval stops covering the page.

    True only on the transition, so the audit trail records each time the content
    moves away from what was approved, not every later edit.
    """
    return not is_stale(approved, previous, stale_on) and is_stale(
        approved, new, stale_on
    )


def review_base(version: int, approved: int | None) -> int | None:
    """The version a review of `version` is read against: the approved version when
    an earlier one was approved, else the version before; None for a first
    version, which has nothing before it."""
    if approved is not None and approved < version:
        return approved
    return version - 1 if version > 1 else None
