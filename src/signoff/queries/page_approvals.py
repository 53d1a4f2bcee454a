"""A page's standing, read: the one place its facts are gathered for the rule.

`domain.standing` decides a page's approval status from its latest review, the
approval it stands on and its current version; this module reads those facts, for
many pages in one statement (change sets, the space page, the status API) or for one
page through the session's identity map (preflight and submit), so every read model
hands the rule the same inputs. The queue, which lists requests rather than pages,
builds its rows' approvals with `approval_of` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from signoff.db.aliases import shared_alias
from signoff.db.models import (
    ApprovalRequest,
    Page,
    PageVersion,
)
from signoff.domain.standing import (
    PageState,
    Review,
    Standing,
    StandingApproval,
    change_set_standing,
    page_standing,
)
from signoff.domain.states import (
    ApprovalStatus,
    RequestStatus,
    StaleOn,
)
from signoff.domain.versions import VersionRef
from signoff.queries.page_refs import public_id_column


@dataclass(frozen=True)
class PageApprovalFacts:
    """One page's approval standing: its latest review and its standing approval.

    The standing is `approval_status`, `approved_at_version` (None without a
    standing approval), `is_stale` and `version_delta`, as `domain.standing` derives
    them; `/api/v1` writes them as a change set's enriched `pageRefs`
    (`api/v1/shapes/changesets.py`).
    """

    page_id: int
    public_id: str
    """The page's id as clients name it (`queries.page_refs`)."""
    title: str
    current_page_version: int
    approval_status: ApprovalStatus
    approved_at_version: int | None
    is_stale: bool
    version_delta: int
    latest_request_id: int | None

    @property
    def standing(self) -> Standing:
        return Standing(
            self.approval_status,
            self.is_stale,
            self.approved_at_version,
            self.version_delta,
        )

    @property
    def state(self) -> PageState:
        """What the page reads as: the badge, the space page and the rollup."""
        return self.standing.state

    @property
    def rollup_input(self) -> Standing:
        return self.standing


_latest = shared_alias(ApprovalRequest, "latest")
_approved = shared_alias(ApprovalRequest, "approved")
LATEST = _latest
"""The page's latest request in `approval_facts_select`, for callers' extra columns."""


def approval_facts_select(*extra: Any) -> Select[Any]:
    """Pages joined to their current version, latest and approved requests.

    The caller adds its own filter (a page, a change set, a space) and columns; the
    current version is joined on `(page_id, number)`, its unique key.
    """
    return (
        select(
            *extra,
            Page.id,
            public_id_column(),
            Page.title,
            Page.current_version,
            PageVersion.content_hash,
            _latest.id,
            _latest.status,
            _latest.created_at,
            _approved.page_version,
            _approved.content_hash,
            _approved.stale_on,
            _approved.created_at,
        )
        .select_from(Page)
        .join(
            PageVersion,
            and_(
                PageVersion.page_id == Page.id,
                PageVersion.number == Page.current_version,
            ),
        )
        .outerjoin(_latest, _latest.id == Page.latest_request_id)
        .outerjoin(_approved, _approved.id == Page.approved_request_id)
    )


def approval_facts(
    row: Any, offset: int = 0, *, joined_at: datetime | None = None
) -> PageApprovalFacts:
    """Facts from a row of `approval_facts_select`; `offset` skips the extra columns.

    With `joined_at`, the standing is the one a change set the page joined then
    counts (`domain.standing.change_set_standing`).
    """
    (
        page_id,
        public_id,
        title,
        current,
        current_hash,
        latest_id,
        latest_status,
        latest_at,
        approved_version,
        approved_hash,
        stale_on,
        approved_at,
    ) = tuple(row)[offset:]
    latest = Review(RequestStatus(latest_status), latest_at) if latest_status else None
    approval = (
        approval_of(approved_version, approved_hash, stale_on, approved_at)
        if approved_version is not None
        else None
    )
    at = VersionRef(current, current_hash)
    standing = (
        page_standing(latest.status if latest else None, approval, at)
        if joined_at is None
        else change_set_standing(joined_at, latest, approval, at)
    )
    return PageApprovalFacts(
        page_id=page_id,
        public_id=public_id,
        title=title,
        current_page_version=current,
        approval_status=standing.approval_status,
        approved_at_version=standing.approved_at_version,
        is_stale=standing.is_stale,
        version_delta=standing.version_delta,
        latest_request_id=latest_id,
    )


def page_approvals(
    session: Session, where: ColumnElement[bool]
) -> list[PageApprovalFacts]:
    """Approval facts of every page matching `where`, in one statement."""
    rows = session.execute(approval_facts_select().where(where).order_by(Page.id))
    return [approval_facts(row) for row in rows]


def standing_at(session: Session, page: Page, current: PageVersion) -> Standing:
    """The standing of `page` at its `current` version, for preflight and submit.

    Its latest and approved requests are read through the session's identity map
    (a bulk submit has loaded them all in one statement beforehand), so this adds
    no statement where they are loaded.
    """
    latest = (
        session.get(ApprovalRequest, page.latest_request_id)
        if page.latest_request_id is not None
        else None
    )
    approved = (
        session.get(ApprovalRequest, page.approved_request_id)
        if page.approved_request_id is not None
        else None
    )
    approval = (
        approval_of(
            approved.page_version,
            approved.content_hash,
            approved.stale_on,
            approved.created_at,
        )
        if approved is not None
        else None
    )
    return page_standing(
        RequestStatus(latest.status) if latest is not None else None,
        approval,
        VersionRef(current.number, current.content_hash),
    )


def approval_of(
    version: int, content_hash: str, stale_on: str, submitted_at: datetime | None
) -> StandingApproval:
    """An approved request's columns as the rule takes them."""
    return StandingApproval(
        VersionRef(version, content_hash), StaleOn(stale_on), submitted_at
    )
