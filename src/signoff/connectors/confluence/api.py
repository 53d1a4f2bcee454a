"""The Confluence operations the connector uses, as typed values.

Each function makes the calls of one question (which space has this key, which
pages changed since a moment, what a page looked like at a version) and reads the
answers into small frozen values, ignoring fields it does not know, as Confluence
adds them. Ids are kept as the strings Confluence writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from signoff.connectors.confluence.http import PAGE_SIZE, ConfluenceHttp

V2 = "/api/v2"
STORAGE = "storage"
LIVE = ("current", "archived")
ANY_STATE = ("current", "archived", "trashed", "deleted")


@dataclass(frozen=True)
class RemoteSpace:
    id: str
    key: str
    name: str


@dataclass(frozen=True)
class RemoteVersion:
    number: int
    author_account: str | None
    created_at: datetime
    message: str
    minor_edit: bool


@dataclass(frozen=True)
class RemotePage:
    """A page as a listing or a read gave it; `body` only where it was asked for."""

    id: str
    space_id: str
    title: str
    status: str
    version: RemoteVersion
    body: str | None
    webui: str | None


def confluence_time(text: str) -> datetime:
    """`2025-06-06T12:51:54.336Z` (or any ISO 8601 with a zone) as an aware time."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_credentials(http: ConfluenceHttp) -> str | None:
    """One cheap call that needs the credentials to work: a `ConfluenceError` if not.

    Returns the site's address for people (`_links.base`), when the answer gives it.
    """
    body = http.get(f"{V2}/spaces", {"limit": 1})
    base = (body.get("_links") or {}).get("base")
    if isinstance(base, str) and base.startswith(("https://", "http://")):
        return base.rstrip("/")
    return None


def space_by_key(http: ConfluenceHttp, key: str) -> RemoteSpace | None:
    body = http.get(f"{V2}/spaces", {"keys": key, "limit": 1})
    for found in body.get("results", []):
        if found.get("key") == key:
            return RemoteSpace(str(found["id"]), found["key"], found.get("name") or key)
    return None


def pages_changed(
    http: ConfluenceHttp, space_id: str, since: datetime | None
) -> Iterator[RemotePage]:
    """The space's pages, most recently changed first, down to those changed before
    `since` (all of them when None), each with its current storage body."""
    listed = http.walk(
        f"{V2}/spaces/{space_id}/pages",
        {"sort": "-modified-date", "body-format": STORAGE, "depth": "all"},
    )
    for raw in listed:
        page = read_page(raw)
        if since is not None and page.version.created_at < since:
            return
        yield page


def pages_by_id(http: ConfluenceHttp, ids: Iterable[str]) -> list[RemotePage]:
    """These pages now, in any state (a trashed or deleted one says so), with their
    bodies; a page missing from the answer is gone or no longer visible."""
    wanted = list(dict.fromkeys(ids))
    found: list[RemotePage] = []
    for start in range(0, len(wanted), PAGE_SIZE):
        chunk = wanted[start : start + PAGE_SIZE]
        found.extend(
            read_page(raw)
            for raw in http.walk(
                f"{V2}/pages",
                {"id": ",".join(chunk), "body-format": STORAGE, "status": ANY_STATE},
            )
        )
    return found


def page_at_version(
    http: ConfluenceHttp, page_id: str, number: int
) -> RemotePage | None:
    """The page as it was at version `number`, body included; None if not visible."""
    raw = http.get_or_none(
        f"{V2}/pages/{page_id}", {"version": number, "body-format": STORAGE}
    )
    return None if raw is None else read_page(raw)


def read_page(raw: dict[str, Any]) -> RemotePage:
    version = raw.get("version") or {}
    storage = ((raw.get("body") or {}).get(STORAGE) or {}).get("value")
    return RemotePage(
        id=str(raw["id"]),
        space_id=str(raw.get("spaceId") or ""),
        title=str(raw.get("title") or ""),
        status=str(raw.get("status") or "current"),
        version=RemoteVersion(
            number=int(version.get("number") or 1),
            author_account=version.get("authorId") or raw.get("authorId"),
            created_at=confluence_time(
                version.get("createdAt") or raw.get("createdAt") or "1970-01-01T00:00Z"
            ),
            message=str(version.get("message") or ""),
            minor_edit=bool(version.get("minorEdit")),
        ),
        body=storage if isinstance(storage, str) else None,
        webui=(raw.get("_links") or {}).get("webui"),
    )


@dataclass(frozen=True)
class RemoteUser:
    account_id: str
    display_name: str
    email: str | None
    """None where the person's privacy settings hide it."""


USERS_PER_CALL = 250


def users_by_account(
    http: ConfluenceHttp, account_ids: Iterable[str]
) -> list[RemoteUser]:
    """The profiles of these accounts (`POST /users-bulk`, 250 a call); an account
    the site does not know is left out."""
    wanted = list(dict.fromkeys(account_ids))
    found: list[RemoteUser] = []
    for start in range(0, len(wanted), USERS_PER_CALL):
        chunk = wanted[start : start + USERS_PER_CALL]
        body = http.post(f"{V2}/users-bulk", {"accountIds": chunk}).body or {}
        for raw in body.get("results", []):
            email = raw.get("email") or None
            found.append(
                RemoteUser(
                    str(raw["accountId"]),
                    str(raw.get("displayName") or raw.get("publicName") or ""),
                    email if isinstance(email, str) else None,
                )
            )
    return found


@dataclass(frozen=True)
class RemoteProperty:
    """A page's content property as the site holds it; `value` is any JSON."""

    id: str
    key: str
    value: Any


def page_property(
    http: ConfluenceHttp, page_id: str, key: str
) -> RemoteProperty | None:
    """The page's property `key`, read with one call; None when the page has none.

    A page that answers 404 (missing, or hidden from these credentials) raises its
    `ConfluenceError`: nobody can tell whether it holds the property.
    """
    body = http.get(f"{V2}/pages/{page_id}/properties", {"key": key})
    for found in body.get("results", []):
        if found.get("key") == key:
            return RemoteProperty(str(found.get("id")), key, found.get("value"))
    return None
