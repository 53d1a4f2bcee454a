"""Shared by the handlers: finding what the caller may see, and cutting lists into
cursor pages. Call these with the site's lock held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from confluence_site.calls import Answer, Call
from confluence_site.errors import BadRequest, NotFound
from confluence_site.index import Key, page_key
from confluence_site.paging import decode_cursor, encode_cursor, list_answer, next_link
from confluence_site.records import Page, Space, User

T = TypeVar("T")

LIVE_STATUSES = ("current", "archived")


def can_see(call: Call, page: Page) -> bool:
    """A view restriction on the page or any ancestor hides it from that person."""
    user: User = call.caller.user
    seen: Page | None = page
    while seen is not None:
        if user.account_id in seen.hidden_from:
            return False
        seen = call.site.pages.get(seen.parent_id) if seen.parent_id else None
    return True


def find_page(
    call: Call, name: str = "id", statuses: Iterable[str] = LIVE_STATUSES
) -> Page:
    """The page in the path, or 404 when missing, hidden or in another status."""
    page = call.site.pages.get(str(call.number(name)))
    if page is None or str(page.status) not in set(statuses) or not can_see(call, page):
        raise NotFound
    return page


def find_space(call: Call, name: str = "id") -> Space:
    space = call.site.spaces.get(str(call.number(name)))
    if space is None:
        raise NotFound
    return space


def read_cursor(call: Call, sort: str) -> Key | None:
    """The key the previous page ended on; a cursor from another sort is refused."""
    raw = call.one("cursor")
    if raw is None:
        return None
    decoded = decode_cursor(raw)
    key = decoded.get("k")
    if decoded.get("s") != sort or not isinstance(key, list) or len(key) != 2:
        raise BadRequest(f"Invalid cursor: {raw}")
    return (key[0], key[1])


def cursor_for(sort: str, key: Key) -> str:
    return encode_cursor({"s": sort, "k": list(key)})


def respond(call: Call, results: list[Any], next_cursor: str | None) -> Answer:
    link = (
        None if next_cursor is None else next_link(call.path, call.params, next_cursor)
    )
    body, headers = list_answer(results, call.site_base, link)
    return Answer(body=body, headers=headers)


def page_of(
    call: Call, items: Iterable[T], key: Callable[[T], Key], sort: str, limit: int
) -> tuple[list[T], str | None]:
    """One cursor page of a small in-memory list, in `sort` order (`-` descends)."""
    descending = sort.startswith("-")
    after = read_cursor(call, sort)
    ordered = sorted(items, key=key, reverse=descending)
    if after is not None:
        ordered = [
            i for i in ordered if (key(i) < after if descending else key(i) > after)
        ]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return chunk, cursor_for(sort, key(chunk[-1])) if more and chunk else None


def walk_pages(
    call: Call, sort: str, space_ids: list[str], ids: list[str]
) -> Iterator[tuple[Key, Page]]:
    """Pages in `sort` order past the cursor, from the index unless ids are named."""
    field = sort.lstrip("-")
    descending = sort.startswith("-")
    after = read_cursor(call, sort)
    if ids:
        found = (call.site.pages.get(i) for i in dict.fromkeys(ids))
        keyed = [(page_key(p, field), p) for p in found if p is not None]
        keys = sorted(((k, p) for k, p in keyed if k is not None), key=lambda kp: kp[0])
        if descending:
            keys.reverse()
        for key, page in keys:
            if after is None or (key < after if descending else key > after):
                yield key, page
        return
    scope = space_ids[0] if len(space_ids) == 1 else None
    for key in call.site.index.walk(field, scope, after, descending):
        yield key, call.site.pages[str(key[1])]


def require_ids(call: Call, name: str, most: int) -> list[str]:
    values = call.many(name)
    if len(values) > most:
        raise BadRequest(f"'{name}' takes at most {most} values.")
    for value in values:
        if not value.isdigit():
            raise BadRequest(
                f"Provided value {{{value}}} for '{name}' is not the correct type."
            )
    return values
