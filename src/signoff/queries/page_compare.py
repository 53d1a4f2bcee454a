"""Which two versions of a page a reviewer compares, and their comparison.

A pending review is read against the last approved version, or the version before
it when none was approved; a stale approval against the current version; anyone may
compare any two versions. The comparison itself is `storage_format.redline`'s, on the
stored (sanitised) bodies; the storage source's line diff rides along for readers
who want the markup.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from signoff.db.models import Page, PageVersion
from signoff.domain.errors import NotFound
from signoff.domain.versions import review_base
from signoff.queries.facts import get_version
from signoff.queries.status import PageStatus
from signoff.storage_format.normalise import normalise_body
from signoff.storage_format.redline import (
    Comparison,
    Summary,
    compare_bodies,
    measure_change,
)


@dataclass(frozen=True)
class DiffLine:
    """One line of the storage source's diff: `kind` is `same`, `added` or
    `removed`."""

    kind: str
    text: str


@dataclass(frozen=True)
class VersionComparison:
    old_version: int
    new_version: int
    why: str
    """What the older version is to the reader: "the approved version 3"."""
    comparison: Comparison
    source: list[DiffLine]


_BETWEEN_TAGS = re.compile(r"(?<=>)(?=<)")


def _lines(body: str) -> list[str]:
    return [line for line in _BETWEEN_TAGS.split(normalise_body(body)) if line]


def body_diff(old: str, new: str) -> list[DiffLine]:
    """A line diff of two bodies' normalised markup, one element per line."""
    lines: list[DiffLine] = []
    kinds = {" ": "same", "+": "added", "-": "removed"}
    for entry in difflib.ndiff(_lines(old), _lines(new)):
        if entry[0] in kinds:
            lines.append(DiffLine(kinds[entry[0]], entry[2:]))
    return lines


def review_pair(status: PageStatus, current: int) -> tuple[int, int, str] | None:
    """The versions a reader of the page's review compares, (older, newer, why):
    the version under review against its base (`domain.versions.review_base`);
    the current version against a stale approval. None when there is nothing to
    compare (no review, or a first version)."""
    approved = status.approved_at_version
    request = status.request
    if request is not None and request.status == "pending":
        base = review_base(request.version, approved)
        if base is None:
            return None
        why = "approved" if base == approved else "previous"
        return base, request.version, f"the {why} version {base}"
    if status.is_stale and approved is not None and approved < current:
        return approved, current, f"the approved version {approved}"
    return None


def compare_versions(
    session: Session, page: Page, older: int, newer: int, *, why: str | None = None
) -> VersionComparison:
    """Versions `older` and `newer` of the page compared; NotFound names a version
    the page does not have."""
    bodies = []
    for number in (older, newer):
        version = get_version(session, page.id, number)
        if version is None:
            raise NotFound(f"Page {page.title!r} has no version {number}.")
        bodies.append(version.body)
    return VersionComparison(
        old_version=older,
        new_version=newer,
        why=why or f"version {older}",
        comparison=compare_bodies(bodies[0], bodies[1]),
        source=body_diff(bodies[0], bodies[1]),
    )


@dataclass(frozen=True)
class ReviewChange:
    """What a review of a version changes: its base (None for a first version) and
    the size of the change from there."""

    base: int | None
    summary: Summary | None


def review_change(session: Session, page: Page, version: PageVersion) -> ReviewChange:
    """The change a review of `version` reads, measured once when it opens."""
    base = review_base(version.number, page.approved_version)
    if base is None:
        return ReviewChange(None, None)
    older = get_version(session, page.id, base)
    if older is None:
        return ReviewChange(None, None)
    return ReviewChange(base, measure_change(older.body, version.body))
