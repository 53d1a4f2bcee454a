"""REST v2: spaces, pages and page versions (reads only, as the connector uses them)."""

from __future__ import annotations

from typing import Any

from confluence_site.calls import Answer, Call, operation
from confluence_site.errors import BadRequest, NotFound
from confluence_site.listing import (
    LIVE_STATUSES,
    can_see,
    cursor_for,
    find_page,
    find_space,
    page_of,
    require_ids,
    respond,
    walk_pages,
)
from confluence_site.paging import parse_limit
from confluence_site.records import Page, Space
from confluence_site.render import (
    detailed_version_json,
    label_json,
    page_json,
    page_version_json,
    property_json,
    space_json,
    version_json,
)

READ_SPACE = (("read:space:confluence",),)
READ_PAGE = (("read:page:confluence",),)
PAGE_SORTS = tuple(
    s for f in ("id", "created-date", "modified-date", "title") for s in (f, "-" + f)
)
SPACE_SORTS = ("id", "-id", "key", "-key", "name", "-name")
LIST_STATUSES = ("current", "archived", "deleted", "trashed")
SINGLE_STATUSES = ("current", "archived", "trashed", "deleted", "historical", "draft")
BULK_FORMATS = ("storage", "atlas_doc_format")
SINGLE_FORMATS = (
    *BULK_FORMATS,
    "view",
    "export_view",
    "anonymous_export_view",
    "styled_view",
    "editor",
)
INCLUDED_MAX = 50
PAGE_LIST_PARAMS = ("sort", "status", "title", "body-format", "cursor", "limit")


@operation(
    "GET",
    "/api/v2/spaces",
    scopes=READ_SPACE,
    params=("ids", "keys", "type", "status", "sort", "cursor", "limit"),
    spec="GET /spaces",
)
def get_spaces(call: Call) -> Answer:
    sort = call.choice("sort", SPACE_SORTS, "id") or "id"
    ids = set(require_ids(call, "ids", 250))
    keys = set(call.many("keys"))
    kind, status = call.one("type"), call.one("status")
    limit = parse_limit(call.one("limit"))
    chosen = [
        s
        for s in call.site.spaces.values()
        if (not ids or s.id in ids)
        and (not keys or s.key in keys)
        and (kind is None or s.type == kind)
        and (status is None or s.status == status)
    ]
    chunk, cursor = page_of(call, chosen, _space_key(sort), sort, limit)
    return respond(call, [space_json(s) for s in chunk], cursor)


@operation("GET", "/api/v2/spaces/{id}", scopes=READ_SPACE, spec="GET /spaces/{id}")
def get_space(call: Call) -> Answer:
    return Answer(body=space_json(find_space(call), call.site_base))


@operation(
    "GET",
    "/api/v2/pages",
    scopes=READ_PAGE,
    params=("id", "space-id", *PAGE_LIST_PARAMS),
    spec="GET /pages",
)
def get_pages(call: Call) -> Answer:
    ids = require_ids(call, "id", 250)
    space_ids = require_ids(call, "space-id", 100)
    return _list_pages(call, space_ids, ids, root_only=False)


@operation(
    "GET",
    "/api/v2/spaces/{id}/pages",
    scopes=READ_PAGE,
    params=("depth", *PAGE_LIST_PARAMS),
    spec="GET /spaces/{id}/pages",
)
def get_space_pages(call: Call) -> Answer:
    space = find_space(call)
    depth = call.choice("depth", ("all", "root"), "all")
    return _list_pages(call, [space.id], [], root_only=depth == "root")


@operation(
    "GET",
    "/api/v2/pages/{id}",
    scopes=READ_PAGE,
    params=(
        "body-format",
        "status",
        "version",
        "include-labels",
        "include-properties",
        "include-versions",
        "include-version",
    ),
    spec="GET /pages/{id}",
)
def get_page(call: Call) -> Answer:
    body_format = _body_format(call, SINGLE_FORMATS)
    statuses = _statuses(call, SINGLE_STATUSES) or LIVE_STATUSES
    page = find_page(call, statuses=statuses)
    version, status = page.current, None
    if call.one("version") is not None:
        found = page.version(call.number("version", source="query"))
        if found is None:
            raise NotFound
        version = found
        status = "historical" if found is not page.current else None
    shaped = page_json(
        page,
        call.site.spaces[page.space_id],
        version,
        body_format=body_format,
        status=status,
        include_version=call.flag("include-version", default=True),
    )
    shaped.update(_included(call, page))
    shaped["_links"]["base"] = call.site_base
    return Answer(body=shaped)


@operation(
    "GET",
    "/api/v2/pages/{id}/versions",
    scopes=READ_PAGE,
    params=("body-format", "cursor", "limit", "sort"),
    spec="GET /pages/{id}/versions",
)
def get_page_versions(call: Call) -> Answer:
    page = find_page(call)
    body_format = _body_format(call, BULK_FORMATS)
    sort = call.choice("sort", ("modified-date", "-modified-date"), "-modified-date")
    assert sort is not None
    limit = parse_limit(call.one("limit"))
    chunk, cursor = page_of(
        call, page.versions, lambda v: (v.number, v.number), sort, limit
    )
    return respond(
        call, [page_version_json(page, v, body_format) for v in chunk], cursor
    )


@operation(
    "GET",
    "/api/v2/pages/{page_id}/versions/{version_number}",
    scopes=READ_PAGE,
    spec="GET /pages/{page-id}/versions/{version-number}",
)
def get_page_version(call: Call) -> Answer:
    page = find_page(call, "page_id")
    version = page.version(call.number("version_number"))
    if version is None:
        raise NotFound
    return Answer(body=detailed_version_json(page, version))


def _list_pages(
    call: Call, space_ids: list[str], ids: list[str], *, root_only: bool
) -> Answer:
    sort = call.choice("sort", PAGE_SORTS, "id") or "id"
    statuses = set(_statuses(call, LIST_STATUSES) or LIVE_STATUSES)
    body_format = _body_format(call, BULK_FORMATS)
    title = call.one("title")
    limit = parse_limit(call.one("limit"))
    listed = sort.lstrip("-") == "modified-date"
    if listed:
        call.site.catch_up_listing()
    spaces = set(space_ids)
    results: list[dict[str, Any]] = []
    last_key = None
    for key, page in walk_pages(call, sort, space_ids, ids):
        version = page.version(page.listed_version) if listed else page.current
        if version is None or not _wanted(call, page, statuses, spaces, root_only):
            continue
        if title is not None and version.title != title:
            continue
        if len(results) == limit:
            assert last_key is not None
            return respond(call, results, cursor_for(sort, last_key))
        space = call.site.spaces[page.space_id]
        results.append(page_json(page, space, version, body_format=body_format))
        last_key = key
    return respond(call, results, None)


def _wanted(
    call: Call, page: Page, statuses: set[str], spaces: set[str], root_only: bool
) -> bool:
    return (
        str(page.status) in statuses
        and (not spaces or page.space_id in spaces)
        and (not root_only or page.parent_id is None)
        and can_see(call, page)
    )


def _included(call: Call, page: Page) -> dict[str, Any]:
    """The include-* blocks, each capped at 50 with meta.hasMore."""
    blocks: dict[str, list[Any]] = {}
    if call.flag("include-labels"):
        blocks["labels"] = [label_json(label) for label in page.labels]
    if call.flag("include-properties"):
        blocks["properties"] = [
            property_json(p) for p in call.site.properties_of(page.id)
        ]
    if call.flag("include-versions"):
        blocks["versions"] = [version_json(v) for v in reversed(page.versions)]
    return {
        name: {
            "results": items[:INCLUDED_MAX],
            "meta": {"hasMore": len(items) > INCLUDED_MAX},
            "_links": {"self": f"/wiki/api/v2/pages/{page.id}/{name}"},
        }
        for name, items in blocks.items()
    }


def _statuses(call: Call, allowed: tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(call.many("status"))
    for status in chosen:
        if status not in allowed:
            raise BadRequest(f"Provided value {{{status}}} for 'status' is not valid.")
    return chosen


def _body_format(call: Call, allowed: tuple[str, ...]) -> str | None:
    chosen = call.choice("body-format", allowed)
    if chosen not in {None, "storage"}:
        # A stand-in limit, not Confluence's: it keeps storage format only.
        raise BadRequest(
            f"This stand-in serves body-format=storage only, not {chosen}."
        )
    return chosen


def _space_key(sort: str) -> Any:
    field = sort.lstrip("-")

    def key(space: Space) -> tuple[Any, int]:
        value: Any = int(space.id) if field == "id" else getattr(space, field)
        return (value, int(space.id))

    return key
