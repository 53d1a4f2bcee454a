"""Where a page is kept, for people: a link to it there, and when Signoff last
looked. Signoff's own pages have none; a Confluence page links to its page on the
site (Confluence's stable `viewpage.action?pageId=` address) with the time of the
last pass over its space."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from signoff.connectors.confluence.source import site_of
from signoff.db.models import ConfluenceSite, Page
from signoff.queries.confluence import link_of_space


@dataclass(frozen=True)
class SourceLink:
    name: str
    """The place, as people call it: "Confluence"."""
    url: str | None
    """The page there; None when the site's address for people is not known."""
    synced_at: datetime | None
    """When Signoff last read the page's space there; None before the first pass."""


def page_source_link(session: Session, page: Page) -> SourceLink | None:
    site_id = site_of(page.source)
    if site_id is None or page.external_id is None:
        return None
    site = session.get(ConfluenceSite, site_id)
    link = link_of_space(session, page.space_id)
    url = None
    if site is not None and site.web_base:
        url = f"{site.web_base}/pages/viewpage.action?pageId={quote(page.external_id)}"
    return SourceLink("Confluence", url, link.last_pass_at if link else None)
