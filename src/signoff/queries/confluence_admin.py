"""What site administrators read about connected Confluence sites: each site with
its health in one word and its linked spaces (how far polling got), and which
authors of recorded versions are nobody yet.

`signoff confluence status`, `user map --by-email` and the `/admin/confluence` page
read these; the words are the same everywhere, so a person and a script agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.connectors.confluence.source import source_name
from signoff.db.models import ConfluenceAccount, ConfluenceSite, Page, PageVersion
from signoff.queries.confluence import LinkView, links_of

Health = Literal["unchecked", "healthy", "failing", "held"]


@dataclass(frozen=True)
class SiteStatus:
    """A site as `status` shows it; never its credential."""

    id: int
    name: str
    url: str
    auth: str
    email: str | None
    health: Health
    last_ok_at: datetime | None
    failing_since: datetime | None
    failures: int
    last_error: str | None
    hold_until: datetime | None
    links: list[LinkView]


def site_health(site: ConfluenceSite, now: datetime) -> Health:
    """`held` while the site's `Retry-After` lasts (nothing is sent to it), else
    `failing` after a failed pass, `healthy` after a good one, `unchecked` before
    any pass. A hold outranks a failure: it says when the next call may go."""
    hold = aware(site.hold_until)
    if hold is not None and hold > now:
        return "held"
    if site.failures > 0:
        return "failing"
    return "healthy" if site.last_ok_at is not None else "unchecked"


def site_statuses(
    session: Session, now: datetime, name: str | None = None
) -> list[SiteStatus]:
    """Every site (or the one called `name`, if any), oldest first, with its links."""
    query = select(ConfluenceSite).order_by(ConfluenceSite.id)
    if name is not None:
        query = query.where(ConfluenceSite.name == name)
    sites = session.scalars(query).all()
    links = links_of(session, [site.id for site in sites]) if sites else []
    return [
        SiteStatus(
            site.id,
            site.name,
            site.base_url,
            site.auth,
            site.email,
            site_health(site, now),
            aware(site.last_ok_at),
            aware(site.failing_since),
            site.failures,
            site.last_error,
            aware(site.hold_until),
            [_aware_link(link) for link in links if link.site_id == site.id],
        )
        for site in sites
    ]


def _aware_link(link: LinkView) -> LinkView:
    return replace(
        link, watermark=aware(link.watermark), last_pass_at=aware(link.last_pass_at)
    )


def unmapped_authors(session: Session, site_id: int) -> list[str]:
    """Account ids that wrote a version recorded from the site and are mapped to
    no Signoff user there, in a stable order."""
    mapped = select(ConfluenceAccount.account_id).where(
        ConfluenceAccount.site_id == site_id
    )
    return list(
        session.scalars(
            select(PageVersion.author_account)
            .join(Page, Page.id == PageVersion.page_id)
            .where(
                Page.source == source_name(site_id),
                PageVersion.author_account.is_not(None),
                PageVersion.author_account.not_in(mapped),
            )
            .distinct()
            .order_by(PageVersion.author_account)
        )
    )


def aware(moment: datetime | None) -> datetime | None:
    """A stored time in UTC (SQLite gives it back without its zone)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
