"""Bringing Confluence pages up to date before someone submits them.

A submission reviews the version Signoff last recorded; if the page was edited in
Confluence since the last pass, the reviewers should see the edit, not a version
the next pass would at once supersede. So the pages about to be submitted are read
by id (250 a call) and recorded like a pass records them, before the submission's
transaction and outside it. A site that is held back by a `Retry-After`, failing or
unreachable is not waited for: the submission goes on with what was last recorded,
and the next pass catches up, superseding the review if the page moved on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from signoff.actions.confluence.polling import SiteReach
from signoff.actions.confluence.recording import Recorded, record_missing, record_seen
from signoff.connectors.confluence import api
from signoff.connectors.confluence.connect import site_gate, site_http
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited
from signoff.connectors.confluence.source import site_of
from signoff.db.models import ConfluenceSite, Page
from signoff.db.session import Database
from signoff.queries.confluence import LinkView, accounts_of, links_of

logger = logging.getLogger(__name__)


@dataclass
class Refreshed:
    recorded: Recorded = field(default_factory=Recorded)
    skipped: list[str] = field(default_factory=list)
    """Sites not asked, and why (held back, failing, unreachable)."""


def refresh_pages(
    db: Database,
    reach: SiteReach,
    page_ids: Sequence[int],
    *,
    clock: Callable[[], datetime],
) -> Refreshed:
    """Record what the sites now show of these pages; other sources' pages are
    left alone."""
    done = Refreshed()
    with db.read() as session:
        rows = session.execute(
            select(Page.id, Page.source, Page.external_id, Page.space_id).where(
                Page.id.in_(list(page_ids)), Page.source.like("confluence:%")
            )
        ).all()
    by_site: dict[int, list[tuple[str, int]]] = {}
    for _, source, external_id, space_id in rows:
        site_id = site_of(source)
        if site_id is not None and external_id is not None:
            by_site.setdefault(site_id, []).append((external_id, space_id))
    for site_id, pages in by_site.items():
        _refresh_site(db, reach, site_id, pages, done, clock=clock)
    return done


def _refresh_site(
    db: Database,
    reach: SiteReach,
    site_id: int,
    pages: list[tuple[str, int]],
    done: Refreshed,
    *,
    clock: Callable[[], datetime],
) -> None:
    with db.read() as session:
        site = session.get(ConfluenceSite, site_id)
        if site is None:
            return
        links = {link.space_id: link for link in links_of(session, [site_id])}
        accounts = accounts_of(session, site_id)
        gate = site_gate(site)
        if gate.not_before > gate.now() or site.failures > 0:
            done.skipped.append(f"{site.name}: held back or failing")
            return
        try:
            http = site_http(
                site,
                site_key=reach.site_key,
                allow=reach.allow,
                resolver=reach.resolver,
            )
        except ConfluenceError as error:
            done.skipped.append(f"{site.name}: {error}")
            return
        name = site.name
    wanted = [(external_id, links.get(space_id)) for external_id, space_id in pages]
    linked = [(external_id, link) for external_id, link in wanted if link is not None]
    try:
        found = {
            page.id: page for page in api.pages_by_id(http, [e for e, _ in linked])
        }
    except (ConfluenceError, RateLimited) as error:
        logger.info("refresh before submitting skipped for %s: %s", name, error)
        done.skipped.append(f"{name}: {error}")
        return
    for external_id, link in linked:
        _record(db, link, found.get(external_id), external_id, accounts, done, clock)


def _record(
    db: Database,
    link: LinkView,
    remote: api.RemotePage | None,
    external_id: str,
    accounts: dict[str, int],
    done: Refreshed,
    clock: Callable[[], datetime],
) -> None:
    with db.write() as session:
        if remote is None:
            done.recorded.ended += record_missing(
                session, link, external_id, now=clock()
            )
        else:
            done.recorded.add(
                record_seen(session, link, remote, accounts=accounts, now=clock())
            )


class PageRefresher:
    """`refresh_pages` bound to one server's database: what the web UI and the API
    call just before a submission (`app.state.refresh_pages`). The reach is read
    at each call, so it follows the server's settings."""

    def __init__(
        self,
        db: Database,
        reach: Callable[[], SiteReach],
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._db, self._reach, self._clock = db, reach, clock

    def __call__(self, page_ids: Sequence[int]) -> Refreshed:
        if not page_ids:
            return Refreshed()
        return refresh_pages(self._db, self._reach(), page_ids, clock=self._clock)
