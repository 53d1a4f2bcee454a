"""What one Confluence site holds: people, credentials, spaces, pages and their parts.

Plain mutable records; the site owns them and guards them with its lock. Ids are
strings of digits, as Confluence's JSON carries them; account ids are opaque.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PageStatus(StrEnum):
    CURRENT = "current"
    ARCHIVED = "archived"
    TRASHED = "trashed"
    DELETED = "deleted"


@dataclass
class User:
    account_id: str
    email: str
    display_name: str
    public_name: str
    email_visible: bool = True
    time_zone: str = "UTC"
    licensed: bool = True  # may use Confluence at all (403 otherwise)
    account_type: str = "atlassian"
    account_status: str = "active"


@dataclass
class ApiToken:
    """`email:token` over HTTP Basic. `scopes` None is a classic (unscoped) token."""

    email: str
    token: str
    scopes: frozenset[str] | None = None
    revoked: bool = False


@dataclass
class BearerToken:
    """An OAuth 2.0 (3LO) access token; only the gateway form accepts it."""

    token: str
    account_id: str
    scopes: frozenset[str] = frozenset()
    revoked: bool = False


@dataclass
class Space:
    id: str
    key: str
    name: str
    author_id: str
    created_at: datetime
    homepage_id: str | None = None
    type: str = "global"
    status: str = "current"


@dataclass(frozen=True)
class Version:
    number: int
    author_id: str
    created_at: datetime
    message: str
    minor_edit: bool
    title: str
    body: str


@dataclass
class Page:
    id: str
    space_id: str
    parent_id: str | None
    author_id: str
    created_at: datetime
    position: int
    versions: list[Version] = field(default_factory=list)
    status: PageStatus = PageStatus.CURRENT
    hidden_from: set[str] = field(default_factory=set)  # account ids
    labels: list[Label] = field(default_factory=list)
    listed_version: int = 0  # what the modified-date listing shows (0: not yet)

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def title(self) -> str:
        return self.current.title

    def version(self, number: int) -> Version | None:
        if 1 <= number <= len(self.versions):
            return self.versions[number - 1]
        return None


@dataclass
class Comment:
    id: str
    page_id: str
    parent_comment_id: str | None
    author_id: str
    created_at: datetime
    body: str
    mentions: tuple[str, ...]
    status: str = "current"


@dataclass
class ContentProperty:
    id: str
    page_id: str
    key: str
    value: object
    version: int
    author_id: str
    created_at: datetime
    message: str = ""

    def serialized_size(self) -> int:
        return len(json.dumps(self.value).encode())


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    prefix: str = "global"


@dataclass
class Group:
    """A site group: its id a UUID, its name unique on the site, its members by
    account id in the order they joined."""

    id: str
    name: str
    member_ids: list[str] = field(default_factory=list)
