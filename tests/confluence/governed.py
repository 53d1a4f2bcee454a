"""A Confluence site on loopback governed by a Signoff database, for connector tests.

`governed(db, running)` connects the stand-in site through the real actions (the
credentials checked with one call), links its DOCS space to the Signoff space DOCS,
and gives the test what it needs to run passes and look at both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from confluence_site import RunningSite
from confluence_site.records import Space as RemoteSpaceRecord
from confluence_site.records import User as RemoteUser
from factories import by, make_user
from signoff.actions.confluence.accounts import do_map_accounts
from signoff.actions.confluence.polling import PassReport, SiteReach, run_pass
from signoff.actions.confluence.sites import (
    check_new_site,
    do_add_site,
    do_link_space,
    find_remote_space,
    new_site,
)
from signoff.connectors.confluence.connect import site_gate, site_http
from signoff.db.models import ConfluenceSite, Page, User
from signoff.db.session import Database
from signoff.domain.states import Origin
from signoff.outbound.allowlist import AllowList

SITE_KEY = "test-site-key-for-confluence-credentials"


@dataclass
class Governed:
    db: Database
    running: RunningSite
    reach: SiteReach
    site_id: int
    space_id: int
    remote_space: RemoteSpaceRecord
    author: RemoteUser
    admin: User
    clock: Callable[[], datetime]
    reports: list[PassReport] = field(default_factory=list)

    @property
    def site(self):  # type: ignore[no-untyped-def]
        return self.running.site

    def sync(self) -> PassReport:
        report = run_pass(self.db, self.reach, clock=self.clock)
        self.reports.append(report)
        return report

    def page(self, external_id: str) -> Page:
        with self.db.read() as s:
            found = s.scalar(select(Page).where(Page.external_id == external_id))
            assert found is not None, f"page {external_id} was not recorded"
            s.expunge(found)
            return found

    def map(self, account_id: str, user: User) -> None:
        with self.db.write() as s:
            site = s.get(ConfluenceSite, self.site_id)
            assert site is not None
            do_map_accounts(
                s, site, [(account_id, user.username)], **by(None, Origin.cli)
            )


def governed(
    db: Database, running: RunningSite, *, space_key: str = "DOCS"
) -> Governed:
    site = running.site
    author = site.add_user("Ada Lovelace")
    token = site.add_api_token(site.add_user("Signoff Bot"))
    remote_space = site.add_space("DOCS", "Documentation")
    port = running.root.rsplit(":", 1)[1]
    reach = SiteReach(SITE_KEY, AllowList.parse(f"127.0.0.1:{port}"))
    asked = new_site("acme", running.site_url, email=token.email, token=token.token)
    web_base = check_new_site(asked, allow=reach.allow)
    with db.write() as s:
        admin = make_user(s, "root", site_admin=True)
        row = do_add_site(
            s, asked, web_base=web_base, site_key=SITE_KEY, **by(None, Origin.cli)
        )
        site_id = row.id
        s.expunge(admin)
    with db.read() as s:
        stored = s.get(ConfluenceSite, site_id)
        assert stored is not None
        http = site_http(stored, site_key=SITE_KEY, allow=reach.allow)
    found = find_remote_space(http, "DOCS")
    with db.write() as s:
        stored = s.get(ConfluenceSite, site_id)
        assert stored is not None
        link = do_link_space(s, stored, found, space_key, **by(None, Origin.cli))
        space_id = link.space_id
    with db.read() as s:
        stored = s.get(ConfluenceSite, site_id)
        assert stored is not None
        site_gate(stored).backoff_start = 0.05
    return Governed(
        db,
        running,
        reach,
        site_id,
        space_id,
        remote_space,
        author,
        admin,
        site.clock.now,
    )
