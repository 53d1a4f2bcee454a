"""How `signoff confluence` shows what it did: the `--json` objects (the contract's
shapes, camelCase, ids of Signoff objects as strings of digits as the REST API
writes them, times in UTC with `Z`) and the Rich tables for people.

No credential ever reaches these: a site is its name, address, kind of auth and
the email its API token belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from signoff.actions.confluence.by_email import EmailMatch
from signoff.actions.confluence.imports import ImportReport
from signoff.actions.confluence.polling import PassReport
from signoff.domain.audit_chain import utc_text
from signoff.queries.confluence import LinkView
from signoff.queries.confluence_admin import SiteStatus, aware


def when(moment: datetime | None) -> str | None:
    """A stored time as UTC text with `Z`, or None."""
    found = aware(moment)
    return utc_text(found) if found is not None else None


def sync_counts(report: PassReport, written: int) -> dict[str, int | float]:
    """What `sync --json` prints, in the contract's key order."""
    counts = report.counts()
    return {
        "pagesSeen": counts["pagesSeen"],
        "versionsRecorded": counts["versionsRecorded"],
        "superseded": counts["superseded"],
        "staled": counts["staled"],
        "writesBack": written,
        "waitedForRateLimitSeconds": counts["waitedForRateLimitSeconds"],
    }


def site_json(name: str, url: str, auth: str) -> dict[str, Any]:
    return {"site": {"name": name, "url": url, "auth": auth}}


def link_json(
    site: str, confluence_key: str, confluence_id: str, space_key: str, space_id: int
) -> dict[str, Any]:
    return {
        "link": {
            "site": site,
            "confluenceSpaceKey": confluence_key,
            "confluenceSpaceId": confluence_id,
            "spaceKey": space_key,
            "spaceId": str(space_id),
        }
    }


def status_json(sites: Sequence[SiteStatus]) -> dict[str, Any]:
    """Every site with its health, and every linked space with how far polling got
    (each naming its site and that site's health, for scripts that read one list)."""
    return {
        "sites": [
            {
                "name": site.name,
                "url": site.url,
                "auth": site.auth,
                "health": site.health,
                "lastOkAt": when(site.last_ok_at),
                "failingSince": when(site.failing_since),
                "failures": site.failures,
                "lastError": site.last_error,
                "holdUntil": when(site.hold_until),
            }
            for site in sites
        ],
        "links": [
            _link_status(link, site.health) for site in sites for link in site.links
        ],
    }


def _link_status(link: LinkView, health: str) -> dict[str, Any]:
    return {
        "site": link.site_name,
        "siteHealth": health,
        "confluenceSpaceKey": link.confluence_space_key,
        "confluenceSpaceId": link.confluence_space_id,
        "spaceKey": link.space_key,
        "spaceId": str(link.space_id),
        "lastPassAt": when(link.last_pass_at),
        "watermark": when(link.watermark),
        "lastError": link.last_error,
    }


def mapped_json(site: str, matches: Sequence[EmailMatch]) -> dict[str, Any]:
    """`user map --json`: who is mapped now, and (with `--by-email`) who is not."""
    return {
        "site": site,
        "mapped": [
            {"accountId": m.account_id, "user": m.username, "email": m.email}
            for m in matches
            if m.username is not None
        ],
        "unmapped": [
            {
                "accountId": m.account_id,
                "displayName": m.display_name,
                "reason": m.reason,
            }
            for m in matches
            if m.username is None
        ],
    }


def health_text(site: SiteStatus) -> str:
    """The health column: a word, and since or until when."""
    if site.health == "held":
        return f"held until {when(site.hold_until)}"
    if site.health == "failing":
        return f"failing since {when(site.failing_since)} ({site.failures} failure(s))"
    if site.health == "healthy":
        return f"healthy (last ok {when(site.last_ok_at)})"
    return "unchecked (no pass yet)"


def sites_table(sites: Sequence[SiteStatus]) -> Table:
    table = Table("Site", title="Confluence sites", title_justify="left")
    table.add_column("URL", overflow="fold")
    table.add_column("Auth")
    table.add_column("Health", overflow="fold")
    table.add_column("Last error", overflow="fold")
    for site in sites:
        table.add_row(
            Text(site.name),
            Text(site.url),
            site.auth,
            health_text(site),
            Text(site.last_error or "-"),
        )
    return table


def links_table(sites: Sequence[SiteStatus]) -> Table:
    table = Table("Site", title="Linked spaces", title_justify="left")
    table.add_column("Confluence space")
    table.add_column("Space")
    table.add_column("Last pass", no_wrap=True)
    table.add_column("Watermark", no_wrap=True)
    table.add_column("Last error", overflow="fold")
    for site in sites:
        for link in site.links:
            table.add_row(
                Text(site.name),
                Text(f"{link.confluence_space_key} ({link.confluence_space_id})"),
                Text(link.space_key),
                when(link.last_pass_at) or "never",
                when(link.watermark) or "-",
                Text(link.last_error or "-"),
            )
    return table


def matches_table(matches: Sequence[EmailMatch]) -> Table:
    table = Table("Account", title="Accounts by email", title_justify="left")
    table.add_column("Name")
    table.add_column("Email")
    table.add_column("Mapped to", overflow="fold")
    for match in matches:
        table.add_row(
            Text(match.account_id),
            Text(match.display_name),
            Text(match.email or "(hidden)"),
            Text(match.username or f"nobody: {match.reason}"),
        )
    return table


def import_json(report: ImportReport, *, dry_run: bool) -> dict[str, Any]:
    """What `import-approvals --json` prints: per page its Confluence id, title,
    product 004's status, whether it was (or, in a dry run, would be) imported,
    and why not."""
    pages: list[dict[str, Any]] = []
    for page in report.pages:
        shown: dict[str, Any] = {
            "pageId": page.confluence_id,
            "title": page.title,
            "status": page.status,
            "imported": page.imported,
        }
        if page.reason is not None:
            shown["reason"] = page.reason
        pages.append(shown)
    return {
        "pages": pages,
        "imported": report.imported,
        "skipped": report.skipped,
        "dryRun": dry_run,
    }


def import_table(report: ImportReport, *, dry_run: bool) -> Table:
    table = Table(title="Would import" if dry_run else "Imported approvals")
    for column in ("Page", "Title", "Status", "Imported", "Reason"):
        table.add_column(column)
    for page in report.pages:
        table.add_row(
            Text(page.confluence_id),
            Text(page.title),
            page.status,
            "yes" if page.imported else "no",
            Text(page.reason or ""),
        )
    return table
