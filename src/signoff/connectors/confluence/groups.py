"""A Confluence group and its members, read through REST v1 (v2 has no groups).

A group is named by people but held by its id, which survives a rename: the name is
resolved once with the group picker (a search by part of the name, so the exact
name is picked out of its answer), and members are then read by id, 200 a call,
following `start` while `_links.next` says more remain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from signoff.connectors.confluence.http import ConfluenceHttp

V1 = "/rest/api"
PER_CALL = 200
"""The most Confluence answers per page for groups and their members."""


@dataclass(frozen=True)
class RemoteGroup:
    id: str
    name: str


@dataclass(frozen=True)
class RemoteMember:
    account_id: str
    display_name: str


def group_by_name(http: ConfluenceHttp, name: str) -> RemoteGroup | None:
    """The group called exactly `name` (Confluence ignores case in group names);
    None when the site has none, or these credentials may not see it."""
    for raw in _pages(http, f"{V1}/group/picker", {"query": name}):
        if str(raw.get("name", "")).lower() == name.lower():
            return RemoteGroup(str(raw["id"]), str(raw["name"]))
    return None


def group_members(http: ConfluenceHttp, group_id: str) -> list[RemoteMember]:
    """Everyone in the group now; a `ConfluenceError` 404 when it is gone."""
    return [
        RemoteMember(str(raw["accountId"]), str(raw.get("displayName") or ""))
        for raw in _pages(
            http, f"{V1}/group/{quote(group_id, safe='')}/membersByGroupId", {}
        )
        if raw.get("accountId")
    ]


def _pages(http: ConfluenceHttp, path: str, params: dict[str, str]) -> Iterator[Any]:
    start = 0
    while True:
        body = http.get(path, {**params, "start": start, "limit": PER_CALL}) or {}
        results = body.get("results") or []
        yield from results
        if not (body.get("_links") or {}).get("next") or not results:
            return
        start += len(results)
