"""Approval facts of many pages at once: standing approval, staleness, latest review.

One statement joins each page to its current version, latest request and approved
request, so change-set and status read models cost the same for 2 pages or 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from signoff.db.aliases import shared_alias
from signoff.db.models import (
    ApprovalRequest,
    Page,
    PageVersion,
)
from signoff.domain.rollup import PageApproval
from signoff.domain.states import (
    ApprovalStatus,
    StaleOn,
)
from signoff.domain.versions import VersionRef, is_stale, version_delta


@dataclass(frozen=True)
class PageApprovalFacts:
    """One page's approval standing: its latest review and its standing approval.

    The standing is `approval_status` (the latest request's status, `none` when
    never submitted), `approved_at_version` (None without a standing approval),
    `is_stale` and `version_delta`; `/api/v1` writes them as a change set's enriched
    `pageRefs` (`api/v1/shapes/changesets.py`).
    """

    page_id: int
    title: str
    current_page_version: int
    approval_status: ApprovalStatus
    approved_at_version: int | None
    is_stale: bool
    version_delta: int
    latest_request_id: int | None

    @property
    def rollup_input(self) -> PageApproval:
        return PageApproval(self.approval_status, self.is_stale)


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
            Page.title,
            Page.current_version,
            PageVersion.content_hash,
            _latest.id,
            _latest.status,
            _approved.page_version,
            _approved.content_hash,
            _approved.stale_on,
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


def approval_facts(row: Any, offset: int = 0) -> PageApprovalFacts:
    """Facts from a row of `approval_facts_select`; `offset` skips the extra columns."""
    (
        page_id,
        title,
        current,
        current_hash,
        latest_id,
        latest_status,
        approved_version,
        approved_hash,
        stale_on,
    ) = tuple(row)[offset:]
    stale, delta = False, 0
    if approved_version is not None:
        stale = is_stale(
            VersionRef(approved_version, approved_hash),
            VersionRef(current, current_hash),
            StaleOn(stale_on),
        )
        delta = version_delta(approved_version, current)
    return PageApprovalFacts(
        page_id=page_id,
        title=title,
        current_page_version=current,
        approval_status=ApprovalStatus(latest_status or ApprovalStatus.none),
        approved_at_version=approved_version,
        is_stale=stale,
        version_delta=delta,
        latest_request_id=latest_id,
    )


def page_approvals(
    session: Session, where: ColumnElement[bool]
) -> list[PageApprovalFacts]:
    """Approval facts of every page matching `where`, in one statement."""
    rows = session.execute(approval_facts_select().where(where).order_by(Page.id))
    return [approval_facts(row) for row in rows]
