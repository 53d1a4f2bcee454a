"""A Confluence Cloud site's address, as a person copies it, and the API paths on it.

Two forms reach the same REST API: the site itself, `https://SITE.atlassian.net/wiki`
(API tokens, classic), and Atlassian's gateway,
`https://api.atlassian.com/ex/confluence/CLOUD_ID/wiki` (scoped API tokens and OAuth
bearer tokens must use it). API paths (`/api/v2/...`, `/rest/api/...`) are appended
to the base. A `_links.next` from the site always starts with `/wiki/...`, even
behind the gateway, so only its query string is taken and put on the path already
being walked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from signoff.domain.errors import BadInput

_GATEWAY_PATH = re.compile(r"/ex/confluence/(?P<cloud>[A-Za-z0-9-]{1,64})/wiki")


@dataclass(frozen=True)
class SiteUrl:
    """The wiki base (no trailing slash), and the cloud id when it is the gateway."""

    base: str
    cloud_id: str | None = None

    @property
    def is_gateway(self) -> bool:
        return self.cloud_id is not None

    def api(self, path: str) -> str:
        """The full URL of an API path such as `/api/v2/pages/42`."""
        if not path.startswith("/") or path.startswith("/wiki/"):
            raise ValueError(f"an API path relative to the wiki base, not {path!r}")
        return self.base + path


def parse_site_url(text: str, *, field: str = "url") -> SiteUrl:
    """The base URL `text` names, or a `BadInput` saying what to give instead."""
    raw = text.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadInput(
            f"{field} must be the wiki's address, like "
            "https://SITE.atlassian.net/wiki or "
            "https://api.atlassian.com/ex/confluence/CLOUD_ID/wiki.",
            field=field,
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise BadInput(
            f"{field} must not carry credentials, a query or a fragment.", field=field
        )
    path = parts.path.rstrip("/")
    origin = f"{parts.scheme}://{parts.netloc}"
    gateway = _GATEWAY_PATH.fullmatch(path)
    if gateway is not None:
        return SiteUrl(origin + path, gateway["cloud"])
    if path == "":
        path = "/wiki"  # `https://SITE.atlassian.net` as copied from the address bar
    if path != "/wiki":
        raise BadInput(
            f"{field} must end in /wiki (the wiki's base), not {parts.path!r}.",
            field=field,
        )
    return SiteUrl(origin + path)


def next_cursor(next_link: str | None) -> str | None:
    """The cursor of a `_links.next` (relative to the site, whatever its prefix)."""
    if not next_link:
        return None
    for key, value in parse_qsl(urlsplit(next_link).query, keep_blank_values=True):
        if key == "cursor" and value:
            return value
    return None
