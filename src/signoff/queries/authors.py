"""Who wrote the content a review covers, for the separation of duties
(`domain.duties.excluded_deciders`).

The content under review is every version after the one the page's last approved
request covered, up to and including the submitted version (which is always under
review, even when that approval covered it). Each question is one
statement whatever the number of versions: a range read of the unique
(page_id, number) index, bounded below by a subquery on the (page_id, id) index of
requests. Deciding is a hot path, so it never loads versions one by one.

A version from a content source whose author maps to no Signoff user (a Confluence
account nobody has mapped yet) still has an author, who must not approve their own
change: since Signoff cannot tell who that is, every user without a mapped account
on that site counts as a possible author (`suspects`), so only people known to be
someone else decide, or anyone once the workflow allows self-approval. Mapping the
account later attributes its versions to the user (`actions.confluence.accounts`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from signoff.connectors.confluence.source import site_of
from signoff.db.models import (
    ApprovalRequest,
    ConfluenceAccount,
    Page,
    PageVersion,
    User,
)
from signoff.domain.states import RequestStatus

UNKNOWN = 0
"""An author id no user has: the author of a version who maps to no user here."""
AUTHOR = func.coalesce(PageVersion.author_id, UNKNOWN)

APPROVED_ONCE = (RequestStatus.approved.value, RequestStatus.expired.value)
"""Statuses of requests that ended approved: an expired approval approved its
content all the same (as does one a space admin reset, which keeps its status)."""


def _under_review(page_id: Any, upto: Any, before: Any = None) -> ColumnElement[bool]:
    """Versions of `page_id` after the one the last approved request covered (of the
    requests before `before`, when given) up to and including `upto`, and always
    `upto` itself: a re-review of the version an approval covered (after a reset or
    an expiry) still has its author."""
    earlier = aliased(ApprovalRequest)
    # The bound below which nothing is under review, capped under `upto`.
    last_approved = select(
        case(
            (earlier.page_version < upto, earlier.page_version),
            else_=upto - 1,
        )
    ).where(earlier.page_id == page_id, earlier.status.in_(APPROVED_ONCE))
    if before is not None:
        last_approved = last_approved.where(earlier.id < before)
    covered = last_approved.order_by(earlier.id.desc()).limit(1).scalar_subquery()
    return and_(
        PageVersion.page_id == page_id,
        PageVersion.number <= upto,
        PageVersion.number > func.coalesce(covered, 0),
        or_(
            PageVersion.author_id.is_not(None), PageVersion.author_account.is_not(None)
        ),
    )


_PAGE, _UPTO, _BEFORE = (
    bindparam("page_id", type_=Integer),
    bindparam("upto", type_=Integer),
    bindparam("before", type_=Integer),
)
# Built once: building the range's expression costs more than running it.
_REQUEST_AUTHORS = select(AUTHOR).where(_under_review(_PAGE, _UPTO, _BEFORE)).distinct()
_SUBMISSION_AUTHORS = select(AUTHOR).where(_under_review(_PAGE, _UPTO)).distinct()

_AUTHORS = "signoff.authors"
"""Key of a request's authors in its ORM state's `info`, once read."""


def request_authors(session: Session, request: ApprovalRequest) -> frozenset[int]:
    """The authors of the content `request` reviews, read once per loaded request.

    The answer never changes once the request is stored: its versions are immutable,
    and the requests before it are closed (an approved one can only expire, which
    still counts as approved). So a decision, the step it starts and whom that step
    asks all share one read.
    """
    known = inspect(request).info
    authors: frozenset[int] | None = known.get(_AUTHORS)
    if authors is None:
        assert request.id is not None, "a request's authors are read once it is stored"
        authors = _named(
            session,
            request.page_id,
            session.scalars(
                _REQUEST_AUTHORS,
                {
                    "page_id": request.page_id,
                    "upto": request.page_version,
                    "before": request.id,
                },
            ),
        )
        known[_AUTHORS] = authors
    return authors


def remember_request_authors(request: ApprovalRequest, authors: frozenset[int]) -> None:
    """Record the authors a submission read (`submission_authors`) as those of the
    request it opened, so the new review does not read them again."""
    inspect(request).info[_AUTHORS] = authors


def requests_authors(
    session: Session, request_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """`request_authors` of many requests, in one statement."""
    if not request_ids:
        return {}
    rows = session.execute(
        select(ApprovalRequest.id, AUTHOR, ApprovalRequest.page_id)
        .join(
            PageVersion,
            _under_review(
                ApprovalRequest.page_id,
                ApprovalRequest.page_version,
                ApprovalRequest.id,
            ),
        )
        .where(ApprovalRequest.id.in_(request_ids))
        .distinct()
    )
    return _grouped(session, rows, request_ids)


def submission_authors(session: Session, page_id: int, number: int) -> frozenset[int]:
    """The authors of the content a submission of version `number` would review."""
    return _named(
        session,
        page_id,
        session.scalars(_SUBMISSION_AUTHORS, {"page_id": page_id, "upto": number}),
    )


def pages_authors(
    session: Session, page_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """`submission_authors` of many pages at their current versions, in one
    statement (a change set's bulk submit)."""
    if not page_ids:
        return {}
    rows = session.execute(
        select(Page.id, AUTHOR, Page.id)
        .join(PageVersion, _under_review(Page.id, Page.current_version))
        .where(Page.id.in_(page_ids))
        .distinct()
    )
    return _grouped(session, rows, page_ids)


def _grouped(
    session: Session, rows: Any, keys: Collection[int]
) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = {key: set() for key in keys}
    pages: dict[int, int] = {}
    for key, author, page_id in rows:
        found[key].add(author)
        pages[key] = page_id
    return {
        key: _named(session, pages.get(key, 0), authors)
        for key, authors in found.items()
    }


def _named(session: Session, page_id: int, authors: Any) -> frozenset[int]:
    """The author ids, an unknown author replaced by its `suspects`."""
    ids = set(authors)
    if UNKNOWN in ids:
        ids.discard(UNKNOWN)
        ids |= suspects(session, page_id)
    return frozenset(ids)


def suspects(session: Session, page_id: int) -> frozenset[int]:
    """Who may be the unknown author of a version of `page_id`: every user with no
    mapped account on the page's Confluence site (nobody, for other sources)."""
    source = session.scalar(select(Page.source).where(Page.id == page_id))
    site_id = site_of(source) if source is not None else None
    if site_id is None:
        return frozenset()
    mapped = exists().where(
        ConfluenceAccount.site_id == site_id, ConfluenceAccount.user_id == User.id
    )
    return frozenset(session.scalars(select(User.id).where(~mapped)))
