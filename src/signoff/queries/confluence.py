"""What the Confluence connector reads of its own rows: sites, links, mapped
accounts, and which governed pages a pass must look at by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.connectors.confluence.source import source_name
from signoff.db.models import (
    ApprovalRequest,
    ConfluenceAccount,
    ConfluenceSite,
    ConfluenceSpaceLink,
    Page,
    Space,
)
from signoff.domain.errors import NotFound
from signoff.domain.states import RequestStatus


@dataclass(frozen=True)
class LinkView:
    """One linked space as a pass and `status` need it."""

    id: int
    site_id: int
    site_name: str
    confluence_space_id: str
    confluence_space_key: str
    space_id: int
    space_key: str
    watermark: datetime | None
    last_pass_at: datetime | None
    last_error: str | None


def sites_named(session: Session, name: str | None) -> Sequence[ConfluenceSite]:
    """Every site, or the one called `name` (`NotFound` if there is none)."""
    query = select(ConfluenceSite).order_by(ConfluenceSite.id)
    if name is not None:
        query = query.where(ConfluenceSite.name == name)
    found = session.scalars(query).all()
    if name is not None and not found:
        raise NotFound(f"Confluence site {name!r} not found.")
    return found


def links_of(session: Session, site_ids: Sequence[int] | None = None) -> list[LinkView]:
    query = (
        select(ConfluenceSpaceLink, ConfluenceSite.name, Space.key)
        .join(ConfluenceSite, ConfluenceSite.id == ConfluenceSpaceLink.site_id)
        .join(Space, Space.id == ConfluenceSpaceLink.space_id)
        .order_by(ConfluenceSpaceLink.id)
    )
    if site_ids is not None:
        query = query.where(ConfluenceSpaceLink.site_id.in_(site_ids))
    return [
        LinkView(
            link.id,
            link.site_id,
            site_name,
            link.confluence_space_id,
            link.confluence_space_key,
            link.space_id,
            space_key,
            link.watermark,
            link.last_pass_at,
            link.last_error,
        )
        for link, site_name, space_key in session.execute(query)
    ]


def link_of_space(session: Session, space_id: int) -> ConfluenceSpaceLink | None:
    return session.scalar(
        select(ConfluenceSpaceLink).where(ConfluenceSpaceLink.space_id == space_id)
    )


def accounts_of(session: Session, site_id: int) -> dict[str, int]:
    """Account id → user id, for every mapped account of the site."""
    return dict(
        session.execute(
            select(ConfluenceAccount.account_id, ConfluenceAccount.user_id).where(
                ConfluenceAccount.site_id == site_id
            )
        ).all()
    )


def pages_under_review(session: Session, site_id: int, space_id: int) -> list[str]:
    """Confluence ids of the space's pages with a pending review: a pass reads them
    by id, so a trashed, deleted or moved one is noticed, and an edit the listing
    has not caught up with yet."""
    return list(
        session.scalars(
            select(Page.external_id)
            .join(ApprovalRequest, ApprovalRequest.id == Page.latest_request_id)
            .where(
                Page.source == source_name(site_id),
                Page.space_id == space_id,
                ApprovalRequest.status == RequestStatus.pending.value,
                Page.external_id.is_not(None),
            )
            .order_by(Page.id)
        )
    )


def page_by_external_id(
    session: Session, site_id: int, external_id: str
) -> Page | None:
    return session.scalar(
        select(Page).where(
            Page.source == source_name(site_id), Page.external_id == external_id
        )
    )
