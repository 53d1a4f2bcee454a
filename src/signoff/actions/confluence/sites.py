"""Connecting a Confluence site and linking its spaces to Signoff spaces.

Calls to the site (checking credentials, finding a space by key) are made before
the transaction that records the result, never inside it. Only site administrators
(or the operator at the console) connect sites: a site's credential reads every
space it can see. The credential is sealed at rest and never audited or shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.spaces import SPACE_KEY, do_create_space
from signoff.actions.users import EMAIL, require_site_admin
from signoff.actions.validate import check_pattern, clean_text
from signoff.connectors.confluence import api
from signoff.connectors.confluence.connect import seal_credentials
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited, SiteGate
from signoff.connectors.confluence.http import ConfluenceHttp, Credentials
from signoff.connectors.confluence.site_url import SiteUrl, parse_site_url
from signoff.db.models import ConfluenceSite, ConfluenceSpaceLink, Space, User
from signoff.domain.errors import BadInput, InvalidState, NotFound
from signoff.outbound.allowlist import AllowList
from signoff.outbound.url_policy import Resolver, system_resolver

SITE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
CONFLUENCE_SPACE_KEY = re.compile(r"~?[A-Za-z0-9_]{1,255}")


@dataclass(frozen=True)
class NewSite:
    """A site as `site add` was given it, checked for form but not yet called."""

    name: str
    url: SiteUrl
    credentials: Credentials


def new_site(
    name: str,
    url: str,
    *,
    email: str | None = None,
    token: str | None = None,
    bearer: str | None = None,
) -> NewSite:
    """Check what `site add` was given: an API token with its email, or a bearer."""
    check_pattern(
        name,
        SITE_NAME,
        field="name",
        hint="must be 1-100 lower-case letters, digits, '.', '_' or '-'",
    )
    parsed = parse_site_url(url)
    if (token is None) == (bearer is None):
        raise BadInput(
            "Give an API token with its email, or a bearer token, not both.",
            field="token",
        )
    if bearer is not None:
        if email is not None:
            raise BadInput("A bearer token takes no email.", field="email")
        return NewSite(name, parsed, Credentials("bearer", _secret(bearer, "bearer")))
    if email is None:
        raise BadInput("An API token needs the email of its account.", field="email")
    check_pattern(email, EMAIL, field="email", hint="must be an email address")
    return NewSite(
        name, parsed, Credentials("basic", _secret(token or "", "token"), email)
    )


def _secret(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise BadInput(f"The {field} is empty.", field=field)
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value) or len(value) > 4096:
        raise BadInput(
            f"The {field} has spaces or control characters, or is too long.",
            field=field,
        )
    return value


def check_new_site(
    site: NewSite, *, allow: AllowList, resolver: Resolver = system_resolver
) -> str | None:
    """Call the site once with the credentials; its address for people, or
    `BadInput` with the site's own words when the call fails."""
    http = ConfluenceHttp(
        site.url,
        site.credentials,
        gate=SiteGate(longest_wait=5.0, backoff_start=1.0),
        allow=allow,
        resolver=resolver,
    )
    try:
        return api.check_credentials(http)
    except ConfluenceError as error:
        if error.final:
            raise BadInput(f"The site cannot be called: {error}", field="url") from None
        raise BadInput(
            f"The site refused the credentials: {error}{_hint(site, error)}",
            field="url",
        ) from None
    except RateLimited as paused:
        raise BadInput(
            f"The site could not be checked now: {paused}; try again then.",
            field="url",
        ) from None


def _hint(site: NewSite, error: ConfluenceError) -> str:
    if error.status == 401 and not site.url.is_gateway:
        return (
            " (a scoped API token or a bearer token works only through "
            "https://api.atlassian.com/ex/confluence/CLOUD_ID/wiki)"
        )
    if error.status in (401, 403):
        return " (check the token, its email, and that it may read Confluence)"
    return ""


def do_add_site(
    session: Session,
    site: NewSite,
    *,
    web_base: str | None,
    site_key: str,
    by: Acting[User | None],
) -> ConfluenceSite:
    """Record a checked site, its credential sealed under the site key."""
    require_site_admin(by.actor, "connect Confluence sites")
    if session.scalar(
        select(ConfluenceSite.id).where(ConfluenceSite.name == site.name)
    ):
        raise InvalidState(f"A Confluence site named {site.name!r} already exists.")
    row = ConfluenceSite(
        name=site.name,
        base_url=site.url.base,
        web_base=web_base,
        cloud_id=site.url.cloud_id,
        auth=site.credentials.kind,
        email=site.credentials.email,
        sealed_secret="",
        created_at=by.now,
        created_by=by.actor.id if by.actor else None,
        failures=0,
    )
    session.add(row)
    session.flush()
    row.sealed_secret = seal_credentials(site_key, row.id, site.credentials)
    record_event(
        session,
        "confluence.site_added",
        f"Confluence site {site.name} ({site.url.base}) was connected.",
        by=by,
        details={"site": site.name, "url": site.url.base, "auth": row.auth},
    )
    return row


def do_update_site(
    session: Session,
    row: ConfluenceSite,
    site: NewSite,
    *,
    web_base: str | None,
    site_key: str,
    by: Acting[User | None],
) -> ConfluenceSite:
    """Give a connected site new credentials (a token was revoked or expired) or a
    new address, both already checked with one call. Its failures are forgotten, so
    the background passes try it at once; a `Retry-After` hold is kept."""
    require_site_admin(by.actor, "change Confluence sites")
    row.base_url, row.cloud_id = site.url.base, site.url.cloud_id
    row.web_base = web_base or row.web_base
    row.auth, row.email = site.credentials.kind, site.credentials.email
    row.sealed_secret = seal_credentials(site_key, row.id, site.credentials)
    row.failures, row.failing_since, row.last_error = 0, None, None
    record_event(
        session,
        "confluence.site_updated",
        f"Confluence site {row.name} ({site.url.base}) was given new credentials.",
        by=by,
        details={"site": row.name, "url": site.url.base, "auth": row.auth},
    )
    return row


def find_site(session: Session, name: str) -> ConfluenceSite:
    found = session.scalar(select(ConfluenceSite).where(ConfluenceSite.name == name))
    if found is None:
        raise NotFound(f"Confluence site {name!r} not found.")
    return found


def check_confluence_space_key(key: str) -> str:
    check_pattern(
        key,
        CONFLUENCE_SPACE_KEY,
        field="confluenceSpace",
        hint="must be a Confluence space key: letters, digits and '_'",
    )
    return key


def find_remote_space(http: ConfluenceHttp, key: str) -> api.RemoteSpace:
    """The site's space `key`, or `NotFound` (missing, or not visible to the
    site's credentials: Confluence answers both alike)."""
    check_confluence_space_key(key)
    try:
        found = api.space_by_key(http, key)
    except ConfluenceError as error:
        raise BadInput(
            f"The site could not be asked for space {key}: {error}",
            field="confluenceSpace",
        ) from None
    if found is None:
        raise NotFound(
            f"The site has no space {key}, or its credentials cannot see it."
        )
    return found


def do_link_space(
    session: Session,
    site: ConfluenceSite,
    remote: api.RemoteSpace,
    space_key: str,
    *,
    by: Acting[User | None],
) -> ConfluenceSpaceLink:
    """Govern the Confluence space `remote` in the Signoff space `space_key`,
    creating that space if it is missing. Linking the same pair again changes
    nothing; a Signoff space follows one Confluence space, and the other way round."""
    require_site_admin(by.actor, "link Confluence spaces")
    check_pattern(
        space_key,
        SPACE_KEY,
        field="space",
        hint="must be 2-50 upper-case letters and digits",
    )
    space = session.scalar(select(Space).where(Space.key == space_key))
    existing = session.scalar(
        select(ConfluenceSpaceLink).where(
            ConfluenceSpaceLink.site_id == site.id,
            ConfluenceSpaceLink.confluence_space_id == remote.id,
        )
    )
    if existing is not None:
        if space is not None and existing.space_id == space.id:
            return existing
        raise InvalidState(
            f"Confluence space {remote.key} is already governed in another space."
        )
    if space is None:
        space = do_create_space(
            session,
            space_key,
            clean_text(remote.name, field="name", max_length=200),
            by=by,
        )
    elif session.scalar(
        select(ConfluenceSpaceLink.id).where(ConfluenceSpaceLink.space_id == space.id)
    ):
        raise InvalidState(
            f"Space {space_key} already follows another Confluence space."
        )
    link = ConfluenceSpaceLink(
        site_id=site.id,
        confluence_space_id=remote.id,
        confluence_space_key=remote.key,
        space_id=space.id,
        created_at=by.now,
    )
    session.add(link)
    session.flush()
    record_event(
        session,
        "confluence.space_linked",
        f"Confluence space {remote.key} of site {site.name} is governed in space "
        f"{space_key}.",
        by=by,
        space_id=space.id,
        details={
            "site": site.name,
            "confluenceSpaceKey": remote.key,
            "confluenceSpaceId": remote.id,
        },
    )
    return link
