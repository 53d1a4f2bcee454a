"""Reaching a stored site: its credential opened, its gate shared, its hold adopted.

A site row keeps its credential sealed under the site key (`outbound.credentials`),
bound to the purpose `confluence site <id>`, so a sealed value copied to another row
does not open. Every caller in a process shares the site's one `SiteGate`; a hold
another process stored (`hold_until`) is adopted before the first call.
"""

from __future__ import annotations

from datetime import UTC, datetime

from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import SiteGate, gate_for
from signoff.connectors.confluence.http import Calls, ConfluenceHttp, Credentials
from signoff.connectors.confluence.site_url import parse_site_url
from signoff.db.models import ConfluenceSite
from signoff.outbound.allowlist import AllowList
from signoff.outbound.credentials import CredentialUnreadable, open_sealed, seal
from signoff.outbound.url_policy import Resolver, system_resolver


def purpose(site_id: int) -> str:
    """What a site's sealed credential is bound to."""
    return f"confluence site {site_id}"


def seal_credentials(site_key: str, site_id: int, credentials: Credentials) -> str:
    return seal(site_key, purpose(site_id), credentials.secret)


def site_credentials(site: ConfluenceSite, site_key: str) -> Credentials:
    """The site's credential, opened; a `ConfluenceError` (status 0) when it does
    not open, which only entering it again mends."""
    try:
        secret = open_sealed(site_key, purpose(site.id), site.sealed_secret)
    except CredentialUnreadable as error:
        raise ConfluenceError(
            0,
            f"the stored credential does not open ({error}): add the site again",
            "GET",
            "",
        ) from None
    if site.auth == "bearer":
        return Credentials("bearer", secret)
    return Credentials("basic", secret, site.email)


def site_gate(site: ConfluenceSite) -> SiteGate:
    """The process's gate of `site`, holding back at least until its stored hold."""
    gate = gate_for(f"{site.id} {site.base_url}")
    if site.hold_until is not None:
        gate.hold_until(_aware(site.hold_until).timestamp())
    return gate


def site_http(
    site: ConfluenceSite,
    *,
    site_key: str,
    allow: AllowList,
    resolver: Resolver = system_resolver,
    calls: Calls | None = None,
    gate: SiteGate | None = None,
) -> ConfluenceHttp:
    """Calls to `site`, signed with its stored credential."""
    return ConfluenceHttp(
        parse_site_url(site.base_url),
        site_credentials(site, site_key),
        gate=gate or site_gate(site),
        allow=allow,
        resolver=resolver,
        calls=calls,
    )


def hold_moment(gate: SiteGate) -> datetime | None:
    """The gate's hold as a stored time, None when it has passed."""
    until = gate.not_before
    if until <= gate.now():
        return None
    return datetime.fromtimestamp(until, UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
