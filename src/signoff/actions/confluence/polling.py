"""The polling pass: what changed on each linked Confluence space, recorded as edits.

Confluence Cloud cannot call an outside service when a page changes, so Signoff
asks. Per linked space a pass lists the pages by `-modified-date`, newest first, down
to the link's watermark less an overlap (the site's listing can lag behind an edit),
then reads by id, 250 at a time, the pages under review, which tells a trashed,
deleted or moved page and an edit the listing has not caught up with. Every call is
made outside any transaction; each page is then recorded in a short transaction of
its own (`recording`), and the watermark moves only once every page seen has been
recorded, so a pass killed halfway is redone by the next from where the watermark
says, recording nothing twice.

A steady-state pass over a space where nothing changed costs one call, and one
more per 250 pages under review. A site that
asks for a long pause (`RateLimited`) is held until then, in the database, so every
process respects it; a site that keeps failing is retried after a growing delay,
not in a tight loop, and `status` shows why. After the spaces, the groups that
follow a Confluence group of the site are synced (`group_follow`); a group that
cannot be read is reported on its own and never fails the pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from signoff.actions.confluence.group_follow import GroupSynced, sync_followed_groups
from signoff.actions.confluence.recording import Recorded, record_missing, record_seen
from signoff.connectors.confluence import api
from signoff.connectors.confluence.connect import hold_moment, site_gate, site_http
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited
from signoff.connectors.confluence.http import Calls, ConfluenceHttp
from signoff.db.models import ConfluenceSite, ConfluenceSpaceLink
from signoff.db.session import Database
from signoff.domain.errors import SignoffError
from signoff.outbound.allowlist import AllowList
from signoff.outbound.url_policy import Resolver, system_resolver
from signoff.queries.confluence import (
    LinkView,
    accounts_of,
    links_of,
    pages_under_review,
    sites_named,
)

logger = logging.getLogger(__name__)

PAGES_PER_TRANSACTION = 100
"""Pages recorded per transaction, each under its own savepoint: a commit each
would cost a disk flush per page on a first pass over a large space."""
OVERLAP = timedelta(minutes=10)
"""How far before its watermark a pass starts listing: edits the site lists late."""
FAILURE_DELAY_START = timedelta(minutes=1)
FAILURE_DELAY_CAP = timedelta(hours=1)


@dataclass
class SiteReach:
    """How to reach sites: the site key that opens credentials, and the policy."""

    site_key: str
    allow: AllowList
    resolver: Resolver = system_resolver


@dataclass
class PassReport:
    """What one pass did, over every site it visited."""

    pages_seen: int = 0
    recorded: Recorded = field(default_factory=Recorded)
    waited_seconds: float = 0.0
    calls: Calls = field(default_factory=Calls)
    errors: list[str] = field(default_factory=list)
    skipped_sites: list[str] = field(default_factory=list)
    groups: list[GroupSynced] = field(default_factory=list)

    def counts(self) -> dict[str, int | float]:
        """The counts `signoff confluence sync --json` prints (writes back apart)."""
        return {
            "pagesSeen": self.pages_seen,
            "versionsRecorded": self.recorded.versions,
            "superseded": self.recorded.superseded,
            "staled": self.recorded.staled,
            "waitedForRateLimitSeconds": round(self.waited_seconds, 3),
        }


def run_pass(
    db: Database,
    reach: SiteReach,
    *,
    site_name: str | None = None,
    clock: Callable[[], datetime],
    patient: bool = False,
) -> PassReport:
    """One pass over every linked space of every site (or of `site_name`).

    `patient` (the background loop) skips a site that is failing until its retry
    delay has passed; an explicit pass tries it anyway. A `Retry-After` hold is
    always respected.
    """
    report = PassReport()
    with db.read() as session:
        sites = [(s.id, s.name) for s in sites_named(session, site_name)]
    for site_id, name in sites:
        _site_pass(db, reach, site_id, name, report, clock=clock, patient=patient)
    return report


def _site_pass(
    db: Database,
    reach: SiteReach,
    site_id: int,
    name: str,
    report: PassReport,
    *,
    clock: Callable[[], datetime],
    patient: bool,
) -> None:
    with db.read() as session:
        site = session.get(ConfluenceSite, site_id)
        assert site is not None
        links = links_of(session, [site_id])
        if patient and _resting(site, links, clock()):
            report.skipped_sites.append(name)
            return
        gate = site_gate(site)
        waited_before = gate.waited
        failure = ""
        try:
            http: ConfluenceHttp | None = site_http(
                site,
                site_key=reach.site_key,
                allow=reach.allow,
                resolver=reach.resolver,
                calls=report.calls,
                gate=gate,
            )
        except ConfluenceError as error:
            http, failure = None, str(error)
    if http is None:
        _site_failed(db, site_id, failure, None, now=clock())
        report.errors.append(f"{name}: {failure}")
        return
    try:
        for link in links:
            try:
                _link_pass(db, http, link, report, clock=clock)
            except ConfluenceError as error:
                _link_failed(db, link.id, str(error), now=clock())
                if error.is_auth or error.status in (0, 429) or error.status >= 500:
                    raise
                report.errors.append(f"{name}/{link.confluence_space_key}: {error}")
        for synced in sync_followed_groups(db, http, site_id, clock=clock):
            report.groups.append(synced)
            if synced.error is not None:
                report.errors.append(f"{name}/group {synced.group}: {synced.error}")
    except (ConfluenceError, RateLimited) as error:
        report.errors.append(f"{name}: {error}")
        _site_failed(db, site_id, str(error), hold_moment(gate), now=clock())
    else:
        _site_ok(db, site_id, hold_moment(gate), now=clock())
    finally:
        report.waited_seconds += gate.waited - waited_before


def _link_pass(
    db: Database,
    http: ConfluenceHttp,
    link: LinkView,
    report: PassReport,
    *,
    clock: Callable[[], datetime],
) -> None:
    since = link.watermark - OVERLAP if link.watermark is not None else None
    listed = list(api.pages_changed(http, link.confluence_space_id, since))
    with db.read() as session:
        watched = pages_under_review(session, link.site_id, link.space_id)
        accounts = accounts_of(session, link.site_id)
    # A page under review is read by id even when listed: a lagging listing can
    # show it at an older version, and only a read by id tells it was trashed.
    read = api.pages_by_id(http, watched) if watched else []
    missing = set(watched) - {page.id for page in read}
    seen = {page.id: page for page in listed} | {page.id: page for page in read}
    # Oldest first, so a page's versions are recorded in the order they were made.
    ordered = sorted(seen.values(), key=lambda p: p.version.created_at)
    for start in range(0, len(ordered), PAGES_PER_TRANSACTION):
        with db.write() as session:
            for remote in ordered[start : start + PAGES_PER_TRANSACTION]:
                report.pages_seen += 1
                _record_one(session, link, remote, accounts, report, now=clock())
    for external_id in sorted(missing):
        with db.write() as session:
            report.recorded.ended += record_missing(
                session, link, external_id, now=clock()
            )
    newest = max((page.version.created_at for page in listed), default=None)
    with db.write() as session:
        row = session.get(ConfluenceSpaceLink, link.id)
        assert row is not None
        if newest is not None and (
            row.watermark is None or newest > _aware(row.watermark)
        ):
            row.watermark = newest
        row.last_pass_at, row.last_error = clock(), None


def _record_one(
    session: Session,
    link: LinkView,
    remote: api.RemotePage,
    accounts: dict[str, int],
    report: PassReport,
    *,
    now: datetime,
) -> None:
    """Record one page under a savepoint: a page that cannot be recorded (another
    pass recorded it first, or its content breaks a rule) is reported and skipped,
    never holding back the rest of the space."""
    try:
        with session.begin_nested():
            done = record_seen(session, link, remote, accounts=accounts, now=now)
    except (SQLAlchemyError, SignoffError, ValueError) as error:
        logger.warning("confluence page %s not recorded: %s", remote.id, error)
        report.errors.append(f"page {remote.id}: {error}")
        return
    report.recorded.add(done)


def _resting(site: ConfluenceSite, links: Iterable[LinkView], now: datetime) -> bool:
    """A failing site waits a minute, doubling with each failure, at most an hour."""
    if site.failures <= 0:
        return False
    last = max(
        (_aware(link.last_pass_at) for link in links if link.last_pass_at), default=None
    )
    moments = [m for m in (last, _aware_or_none(site.failing_since)) if m is not None]
    if not moments:
        return False
    doubled: timedelta = FAILURE_DELAY_START * (2 ** min(site.failures - 1, 10))
    return now < max(moments) + min(FAILURE_DELAY_CAP, doubled)


def _site_ok(
    db: Database, site_id: int, hold: datetime | None, *, now: datetime
) -> None:
    with db.write() as session:
        site = session.get(ConfluenceSite, site_id)
        assert site is not None
        site.hold_until = hold
        site.last_ok_at, site.failures = now, 0
        site.failing_since, site.last_error = None, None


def _site_failed(
    db: Database, site_id: int, error: str, hold: datetime | None, *, now: datetime
) -> None:
    with db.write() as session:
        site = session.get(ConfluenceSite, site_id)
        assert site is not None
        site.hold_until = hold
        site.failures += 1
        site.failing_since = site.failing_since or now
        site.last_error = error
        for link in links_of(session, [site_id]):
            row = session.get(ConfluenceSpaceLink, link.id)
            assert row is not None
            row.last_pass_at, row.last_error = now, error


def _link_failed(db: Database, link_id: int, error: str, *, now: datetime) -> None:
    with db.write() as session:
        row = session.get(ConfluenceSpaceLink, link_id)
        assert row is not None
        row.last_pass_at, row.last_error = now, error


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return _aware(moment) if moment is not None else None
