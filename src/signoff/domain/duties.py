"""Separation of duties: who may never decide on a review.

A review approves content, not one person's save of it: if a second editor re-saves
the page, the author of the real change must still not approve it. So everyone who
wrote any of the content under review is excluded, along with the submitter, unless
the workflow allows self-approval. The caller gathers the authors; the rule is here.
"""

from __future__ import annotations

from collections.abc import Iterable


def excluded_deciders(
    *, submitter_id: int, authors: Iterable[int | None], allow_self_approval: bool
) -> frozenset[int]:
    """Who may never decide on a request: its submitter and every author of the
    content under review, unless the workflow allows self-approval.

    `authors` are the authors of the versions under review: every version after the
    one the page's last approved request covered, up to and including the submitted
    version; every version up to the submitted one when the page was never approved.
    The submitted version is always under review, even when that approval covered it
    (a re-review after a reset or an expiry): its author never approves their own
    submission.
    The last approved request is the latest earlier request of the page that ended
    approved, whether or not the page still stands on it (stale, expired or reset):
    its content was reviewed by other people all the same. Requests that ended
    rejected, withdrawn or superseded approved nothing, so their authors stay
    excluded. An author Signoff cannot name (a Confluence account mapped to nobody)
    arrives as everyone it may be (`queries.authors.suspects`); None is ignored.
    """
    if allow_self_approval:
        return frozenset()
    return frozenset({submitter_id, *(a for a in authors if a is not None)})
