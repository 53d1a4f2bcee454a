"""What an import of another product's approvals reads: the governed pages of one
linked space, and whether a page's current version already has a review.

Reads only; `actions.confluence.imports` decides and writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.connectors.confluence.source import source_name
from signoff.db.models import (
    ApprovalRequest,
    ConfluenceSite,
    ConfluenceSpaceLink,
    Page,
    Space,
)
from signoff.domain.errors import NotFound


@dataclass(frozen=True)
class GovernedPage:
    """A page a pass recorded: Signoff's id, its Confluence id and its title."""

    id: int
    confluence_id: str
    title: str


def linked_pages(
    session: Session, site: ConfluenceSite, space_key: str
) -> list[GovernedPage]:
    """The pages of the Signoff space `space_key` linked to `site`, oldest first;
    `NotFound` when the space is not linked to that site."""
    linked = session.scalar(
        select(ConfluenceSpaceLink.space_id)
        .join(Space, Space.id == ConfluenceSpaceLink.space_id)
        .where(ConfluenceSpaceLink.site_id == site.id, Space.key == space_key)
    )
    if linked is None:
        raise NotFound(
            f"Space {space_key!r} is not linked to Confluence site {site.name!r}; "
            "link it with `signoff confluence space link` and run a pass first."
        )
    rows = session.execute(
        select(Page.id, Page.external_id, Page.title)
        .where(
            Page.space_id == linked,
            Page.source == source_name(site.id),
            Page.external_id.is_not(None),
        )
        .order_by(Page.id)
    )
    return [GovernedPage(pid, str(ext), title) for pid, ext, title in rows]


def review_at_version(
    session: Session, page_id: int, version: int
) -> ApprovalRequest | None:
    """The latest review of the page at `version`, if any."""
    return session.scalar(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.page_id == page_id,
            ApprovalRequest.page_version == version,
        )
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )
