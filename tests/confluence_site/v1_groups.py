"""REST v1 groups: one by id, a search by part of the name, and a group's members.

Atlassian's Confluence Cloud REST v1, section Group
(https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-group/):
`GET /wiki/rest/api/group/by-id?id=` (Get group), `GET /wiki/rest/api/group/picker?
query=` (Search groups by partial query) and `GET /wiki/rest/api/group/{groupId}/
membersByGroupId` (Get group members); the by-name forms (`/group/{groupName}`,
`/group/member?name=`) are deprecated there and not served. Lists page by `start` and
`limit` (at most 200), answer `start`, `limit`, `size` and `_links.next` while more
remain. Classic scope `read:confluence-groups`; granular `read:group:confluence`
(and `read:user:confluence` for members).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from confluence_site.calls import Answer, Call, operation
from confluence_site.errors import BadRequest, NotFound
from confluence_site.paging import parse_limit
from confluence_site.records import Group
from confluence_site.render import user_v1_json

READ_GROUP = (("read:confluence-groups",), ("read:group:confluence",))
READ_MEMBERS = (
    ("read:confluence-groups",),
    ("read:group:confluence", "read:user:confluence"),
)
MOST = 200
LIST_PARAMS = ("start", "limit", "shouldReturnTotalSize")


@operation("GET", "/rest/api/group/by-id", scopes=READ_GROUP, params=("id",))
def get_group(call: Call) -> Answer:
    group_id = call.one("id")
    if not group_id:
        raise BadRequest("id is required.")
    return Answer(body=_group_json(call, _group(call, group_id)))


@operation(
    "GET", "/rest/api/group/picker", scopes=READ_GROUP, params=("query", *LIST_PARAMS)
)
def search_groups(call: Call) -> Answer:
    query = call.one("query")
    if not query:
        raise BadRequest("query is required.")
    found = sorted(
        (g for g in call.site.groups.values() if query.lower() in g.name.lower()),
        key=lambda g: g.name.lower(),
    )
    shaped = [_group_json(call, g) for g in found]
    return Answer(body=_page(call, shaped, "/rest/api/group/picker"))


@operation(
    "GET",
    "/rest/api/group/{groupId}/membersByGroupId",
    scopes=READ_MEMBERS,
    params=(*LIST_PARAMS, "expand"),
)
def group_members(call: Call) -> Answer:
    group = _group(call, call.path_params["groupId"])
    people = (call.site.users.get(i) for i in group.member_ids)
    shaped = [user_v1_json(u, call.site_base) for u in people if u is not None]
    return Answer(
        body=_page(call, shaped, f"/rest/api/group/{group.id}/membersByGroupId")
    )


def _group(call: Call, group_id: str) -> Group:
    group = call.site.groups.get(group_id)
    if group is None:
        raise NotFound(f"Group with id {group_id} not found")
    return group


def _group_json(call: Call, group: Group) -> dict[str, Any]:
    return {
        "type": "group",
        "name": group.name,
        "id": group.id,
        "_links": {"self": f"{call.site_base}/rest/api/group/by-id?id={group.id}"},
    }


def _page(call: Call, items: list[Any], path: str) -> dict[str, Any]:
    """One `start`/`limit` page of `items`, with `_links.next` while more remain."""
    limit = parse_limit(call.one("limit"), default=MOST, most=MOST)
    start = call.number("start", source="query") if call.one("start") else 0
    chunk = items[start : start + limit]
    kept = [(k, v) for k, v in call.params if k not in {"start", "limit"}]
    links: dict[str, str] = {
        "base": call.site_base,
        "context": "/wiki",
        "self": f"{call.site_base}{path}?{urlencode(call.params)}",
    }
    if start + limit < len(items):
        more = [*kept, ("start", str(start + limit)), ("limit", str(limit))]
        links["next"] = f"{path}?{urlencode(more)}"
    body: dict[str, Any] = {
        "results": chunk,
        "start": start,
        "limit": limit,
        "size": len(chunk),
        "_links": links,
    }
    if call.flag("shouldReturnTotalSize"):
        body["totalSize"] = len(items)
    return body
