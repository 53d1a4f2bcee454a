"""REST v1, where v2 has no equivalent: users by account id, label writes, and CQL
search for polling. Refusals use v1's `{statusCode, data, message, reason}`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from confluence_site import cql
from confluence_site.calls import Answer, Call, operation
from confluence_site.clock import confluence_time
from confluence_site.errors import BadRequest, NotFound
from confluence_site.index import Key
from confluence_site.listing import can_see, cursor_for, find_page, read_cursor
from confluence_site.paging import parse_limit
from confluence_site.records import Page, User, Version
from confluence_site.render import tiny_link, user_v1_json

READ_USER = (("read:confluence-user",), ("read:content-details:confluence",))
WRITE_LABEL = (
    ("write:confluence-content",),
    ("read:label:confluence", "write:label:confluence"),
)
DELETE_LABEL = (("write:confluence-content",), ("write:label:confluence",))
SEARCH = (("search:confluence",), ("read:content-details:confluence",))
BULK_USERS_MAX = 100
LABEL_FORBIDDEN = re.compile(r"[\s!#&()*,.:;<>?@\[\]^]")
LABEL_PREFIXES = ("global", "my", "team")


@operation("GET", "/rest/api/user", scopes=READ_USER, params=("accountId",))
def get_user(call: Call) -> Answer:
    account_id = call.one("accountId")
    if not account_id:
        raise BadRequest("accountId is required.")
    user = call.site.users.get(account_id)
    if user is None:
        raise NotFound(f"No user found with accountId : {account_id}")
    return Answer(body=user_v1_json(user, call.site_base))


@operation("GET", "/rest/api/user/bulk", scopes=READ_USER, params=("accountId",))
def get_users_bulk(call: Call) -> Answer:
    ids = list(dict.fromkeys(call.many("accountId")))
    if not ids:
        raise BadRequest("accountId is required.")
    found = (call.site.users.get(i) for i in ids[:BULK_USERS_MAX])
    results = [user_v1_json(u, call.site_base) for u in found if u is not None]
    return Answer(
        body={
            "results": results,
            "start": 0,
            "limit": BULK_USERS_MAX,
            "size": len(results),
            "_links": {"base": call.site_base, "context": "/wiki"},
        }
    )


@operation("POST", "/rest/api/content/{id}/label", scopes=WRITE_LABEL)
def add_labels(call: Call) -> Answer:
    page = find_page(call, statuses=("current",))
    data = call.json()
    wanted = data if isinstance(data, list) else [data]
    names = [_label_name(item) for item in wanted]
    for name in names:
        label = call.site.label_named(name)
        if label not in page.labels:
            page.labels.append(label)
    return Answer(body=_label_array(call, page))


@operation(
    "DELETE", "/rest/api/content/{id}/label", scopes=DELETE_LABEL, params=("name",)
)
def remove_label_by_query(call: Call) -> Answer:
    name = call.one("name")
    if not name:
        raise BadRequest("name is required.")
    return _remove_label(call, name)


@operation("DELETE", "/rest/api/content/{id}/label/{label}", scopes=DELETE_LABEL)
def remove_label(call: Call) -> Answer:
    return _remove_label(call, call.path_params["label"])


@operation(
    "GET",
    "/rest/api/search",
    scopes=SEARCH,
    params=("cql", "cursor", "limit", "start", "expand"),
)
def search(call: Call) -> Answer:
    text = call.one("cql")
    if not text:
        raise BadRequest("cql is required.")
    query = cql.parse(text, call.caller.user.time_zone)
    limit = parse_limit(call.one("limit"), most=1000)
    sort = ("-" if query.descending else "") + query.order_field
    matches = _matches(call, query, sort)
    after = read_cursor(call, sort)
    start = 0
    if after is not None:
        ahead = [
            m for m in matches if (m[0] < after if query.descending else m[0] > after)
        ]
        start = len(matches) - len(ahead)
    elif call.one("start") is not None:
        start = call.number("start", source="query")
    chunk = matches[start : start + limit]
    expand = set(call.many("expand"))
    links: dict[str, str] = {
        "base": call.site_base,
        "context": "/wiki",
        "self": f"{call.site_base}/rest/api/search?{urlencode(call.params)}",
    }
    if start + limit < len(matches) and chunk:
        kept = [(k, v) for k, v in call.params if k not in {"cursor", "start"}]
        cursor = cursor_for(sort, chunk[-1][0])
        links["next"] = f"/rest/api/search?{urlencode([*kept, ('cursor', cursor)])}"
    return Answer(
        body={
            "results": [
                _search_result(call, p, "content.version" in expand) for _, p in chunk
            ],
            "start": start,
            "limit": limit,
            "size": len(chunk),
            "totalSize": len(matches),
            "cqlQuery": text,
            "searchDuration": 12,
            "_links": links,
        }
    )


def _matches(call: Call, query: cql.Query, sort: str) -> list[tuple[Key, Page]]:
    """Every current page the search index shows, in the query's order."""
    call.site.catch_up_listing()
    space_id = None
    space_key = query.single_space()
    if space_key is not None:
        space_id = next(
            (s.id for s in call.site.spaces.values() if s.key == space_key), None
        )
        if space_id is None:
            return []
    walked = call.site.index.walk(query.order_field, space_id, None, query.descending)
    found: list[tuple[Key, Page]] = []
    for key in walked:
        page = call.site.pages[str(key[1])]
        shown = page.listed_version and str(page.status) == "current"
        if shown and can_see(call, page) and _holds_all(call, query, page):
            found.append((key, page))
    return found


def _holds_all(call: Call, query: cql.Query, page: Page) -> bool:
    return all(_holds(call, clause, page) for clause in query.clauses)


def _holds(call: Call, clause: cql.Clause, page: Page) -> bool:
    listed = page.version(page.listed_version)
    assert listed is not None
    space = call.site.spaces[page.space_id]
    actual: object = {
        "type": "page",
        "space": space.key,
        "id": page.id,
        "lastmodified": listed.created_at,
        "created": page.created_at,
    }[clause.field]
    if clause.op in {"in", "not in"}:
        return (str(actual) in {str(v) for v in clause.values}) == (clause.op == "in")
    expected = clause.values[0]
    if clause.field in cql.DATE_FIELDS:
        return cql.COMPARE[clause.op](actual, expected)
    return cql.COMPARE[clause.op](str(actual), str(expected))


def _search_result(call: Call, page: Page, with_version: bool) -> dict[str, Any]:
    listed = page.version(page.listed_version)
    assert listed is not None
    space = call.site.spaces[page.space_id]
    webui = f"/spaces/{space.key}/pages/{page.id}"
    content: dict[str, Any] = {
        "id": page.id,
        "type": "page",
        "status": str(page.status),
        "title": listed.title,
        "_expandable": {"space": f"/rest/api/space/{space.key}", "history": ""},
        "_links": {
            "webui": webui,
            "self": f"{call.site_base}/rest/api/content/{page.id}",
            "tinyui": tiny_link(page.id),
        },
    }
    if with_version:
        content["version"] = _v1_version(call, page, listed)
    else:
        content["_expandable"]["version"] = ""
    return {
        "content": content,
        "title": listed.title,
        "excerpt": "",
        "url": webui,
        "resultGlobalContainer": {
            "title": space.name,
            "displayUrl": f"/spaces/{space.key}",
        },
        "breadcrumbs": [],
        "entityType": "content",
        "iconCssClass": "aui-icon content-type-page",
        "lastModified": confluence_time(listed.created_at),
        "friendlyLastModified": listed.created_at.strftime("%b %d, %Y"),
    }


def _v1_version(call: Call, page: Page, version: Version) -> dict[str, Any]:
    author: User | None = call.site.users.get(version.author_id)
    shaped: dict[str, Any] = {
        "when": confluence_time(version.created_at),
        "friendlyWhen": version.created_at.strftime("%b %d, %Y"),
        "message": version.message,
        "number": version.number,
        "minorEdit": version.minor_edit,
        "contentTypeModified": False,
        "_expandable": {"collaborators": "", "content": f"/rest/api/content/{page.id}"},
        "_links": {
            "self": f"{call.site_base}/rest/api/content/{page.id}"
            f"/version/{version.number}"
        },
    }
    if author is not None:
        shaped["by"] = user_v1_json(author, call.site_base)
    return shaped


def _label_name(item: object) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise BadRequest("A label needs a name.")
    prefix = item.get("prefix", "global")
    name: str = item["name"].lower()
    if prefix not in LABEL_PREFIXES:
        raise BadRequest(f"Invalid label prefix: {prefix}")
    if not name or len(name) > 255 or LABEL_FORBIDDEN.search(name):
        raise BadRequest(f"Invalid label name: {name}")
    return name


def _label_array(call: Call, page: Page) -> dict[str, Any]:
    results = [
        {
            "prefix": label.prefix,
            "name": label.name,
            "id": label.id,
            "label": label.name,
        }
        for label in page.labels
    ]
    return {
        "results": results,
        "start": 0,
        "limit": 200,
        "size": len(results),
        "_links": {
            "self": f"{call.site_base}/rest/api/content/{page.id}/label",
            "base": call.site_base,
            "context": "/wiki",
        },
    }


def _remove_label(call: Call, name: str) -> Answer:
    page = find_page(call, statuses=("current",))
    label = next((label for label in page.labels if label.name == name.lower()), None)
    if label is None:
        raise NotFound(f"Label {name} is not on content {page.id}")
    page.labels.remove(label)
    return Answer(204)
