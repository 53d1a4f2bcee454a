"""Sorted keys over the pages, per space and site-wide, so a listing starts at its
cursor with a binary search instead of sorting every page on every request.

A key is `(sort value, numeric id)`: the id breaks ties, so a cursor names one exact
place. The modified-date keys follow what the listing shows (`Page.listed_version`),
which may lag behind the newest version on purpose.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

from confluence_site.clock import epoch_ms
from confluence_site.records import Page

SORT_FIELDS = ("id", "created-date", "modified-date", "title")

Key = tuple[Any, int]


class SortedKeys:
    def __init__(self) -> None:
        self._keys: list[Key] = []

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Key) -> None:
        bisect.insort(self._keys, key)

    def remove(self, key: Key) -> None:
        at = bisect.bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            del self._keys[at]

    def walk(self, after: Key | None, descending: bool) -> Iterator[Key]:
        """Keys past `after` in the listing's direction (all of them when None)."""
        if descending:
            end = (
                len(self._keys)
                if after is None
                else bisect.bisect_left(self._keys, after)
            )
            for at in range(end - 1, -1, -1):
                yield self._keys[at]
        else:
            start = 0 if after is None else bisect.bisect_right(self._keys, after)
            for at in range(start, len(self._keys)):
                yield self._keys[at]


def page_key(page: Page, field: str) -> Key | None:
    number = int(page.id)
    if field == "id":
        return (number, number)
    if field == "created-date":
        return (epoch_ms(page.created_at), number)
    if field == "title":
        return (page.title, number)
    listed = page.version(page.listed_version)
    return None if listed is None else (epoch_ms(listed.created_at), number)


class PageIndex:
    """One SortedKeys per (sort field, space id), and per field for the whole site."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str | None], SortedKeys] = {}

    def add(self, page: Page) -> None:
        for field in SORT_FIELDS:
            key = page_key(page, field)
            if key is not None:
                self._list(field, None).add(key)
                self._list(field, page.space_id).add(key)

    def discard(self, page: Page) -> None:
        """Call before changing a page's keys (title, space, listing), then add."""
        for field in SORT_FIELDS:
            key = page_key(page, field)
            if key is not None:
                self._list(field, None).remove(key)
                self._list(field, page.space_id).remove(key)

    def walk(
        self, field: str, space_id: str | None, after: Key | None, descending: bool
    ) -> Iterator[Key]:
        return self._list(field, space_id).walk(after, descending)

    def _list(self, field: str, space_id: str | None) -> SortedKeys:
        found = self._lists.get((field, space_id))
        if found is None:
            found = self._lists[(field, space_id)] = SortedKeys()
        return found
