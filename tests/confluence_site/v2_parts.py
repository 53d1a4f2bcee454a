"""REST v2: footer comments, content properties, labels, and users in bulk.

Content properties carry the connector's approval state, so their refusals follow
what Confluence really answers beyond its document: 409 for a duplicate key on POST
and for a PUT whose version is not the next one, 413 for a value over 32 KB.
"""

from __future__ import annotations

import json
from typing import Any

from confluence_site.calls import Answer, Call, operation
from confluence_site.errors import BadRequest, Conflict, NotFound, TooLarge
from confluence_site.listing import can_see, find_page, page_of, respond
from confluence_site.paging import parse_limit
from confluence_site.records import Comment, ContentProperty, Page
from confluence_site.render import (
    comment_json,
    label_json,
    property_json,
    user_v2_json,
)
from confluence_site.storage import mentioned_account_ids

READ_COMMENT = (("read:comment:confluence",),)
WRITE_COMMENT = (("write:comment:confluence",),)
READ_PAGE = (("read:page:confluence",),)
WRITE_PAGE = (("read:page:confluence", "write:page:confluence"),)
COMMENT_SORTS = ("created-date", "-created-date", "modified-date", "-modified-date")
COMMENT_LIST_PARAMS = ("body-format", "sort", "cursor", "limit")
PROPERTY_VALUE_MAX_BYTES = 32 * 1024
PROPERTY_KEY_MAX = 255


@operation(
    "POST",
    "/api/v2/footer-comments",
    scopes=WRITE_COMMENT,
    spec="POST /footer-comments",
)
def create_footer_comment(call: Call) -> Answer:
    data = _object(call)
    page, parent = _comment_target(call, data)
    value = _storage_value(data.get("body"))
    comment = Comment(
        id=call.site.new_content_id(),
        page_id=page.id,
        parent_comment_id=None if parent is None else parent.id,
        author_id=call.caller.user.account_id,
        created_at=call.site.clock.now(),
        body=value,
        mentions=mentioned_account_ids(value),
    )
    call.site.comments[comment.id] = comment
    shaped = _comment(call, comment, None, full=True)
    shaped["_links"]["base"] = call.site_base
    location = f"{call.site_base}/api/v2/footer-comments/{comment.id}"
    return Answer(201, shaped, {"Location": location})


@operation(
    "GET",
    "/api/v2/footer-comments/{comment_id}",
    scopes=READ_COMMENT,
    params=("body-format", "version"),
    spec="GET /footer-comments/{comment-id}",
)
def get_footer_comment(call: Call) -> Answer:
    comment = _find_comment(call, "comment_id")
    if call.one("version") not in {None, "1"}:
        raise NotFound
    shaped = _comment(call, comment, _body_format(call), full=True)
    shaped["_links"]["base"] = call.site_base
    return Answer(body=shaped)


@operation(
    "GET",
    "/api/v2/pages/{id}/footer-comments",
    scopes=READ_COMMENT,
    params=("status", *COMMENT_LIST_PARAMS),
    spec="GET /pages/{id}/footer-comments",
)
def get_page_footer_comments(call: Call) -> Answer:
    page = find_page(call)
    statuses = set(call.many("status")) or {"current"}
    roots = [
        c
        for c in call.site.comments.values()
        if c.page_id == page.id and c.parent_comment_id is None and c.status in statuses
    ]
    return _comment_list(call, roots)


@operation(
    "GET",
    "/api/v2/footer-comments/{id}/children",
    scopes=READ_COMMENT,
    params=COMMENT_LIST_PARAMS,
    spec="GET /footer-comments/{id}/children",
)
def get_footer_comment_children(call: Call) -> Answer:
    parent = _find_comment(call, "id")
    replies = [
        c for c in call.site.comments.values() if c.parent_comment_id == parent.id
    ]
    return _comment_list(call, replies)


@operation(
    "GET",
    "/api/v2/pages/{page_id}/properties",
    scopes=READ_PAGE,
    params=("key", "sort", "cursor", "limit"),
    spec="GET /pages/{page-id}/properties",
)
def get_page_properties(call: Call) -> Answer:
    page = find_page(call, "page_id")
    sort = call.choice("sort", ("key", "-key"), "id") or "id"
    key = call.one("key")
    found = [p for p in call.site.properties_of(page.id) if key is None or p.key == key]
    limit = parse_limit(call.one("limit"))
    by = sort.lstrip("-")
    chunk, cursor = page_of(
        call,
        found,
        lambda p: (p.key if by == "key" else int(p.id), int(p.id)),
        sort,
        limit,
    )
    return respond(call, [property_json(p) for p in chunk], cursor)


@operation(
    "POST",
    "/api/v2/pages/{page_id}/properties",
    scopes=WRITE_PAGE,
    spec="POST /pages/{page-id}/properties",
)
def create_page_property(call: Call) -> Answer:
    page = find_page(call, "page_id")
    data = _object(call)
    key = _property_key(data)
    value = _property_value(data)
    if call.site.property_by_key(page.id, key) is not None:
        raise Conflict(f"A property with key '{key}' already exists on this content.")
    made = call.site.new_property(page, key, value, call.caller.user.account_id)
    return Answer(body=property_json(made))


@operation(
    "GET",
    "/api/v2/pages/{page_id}/properties/{property_id}",
    scopes=READ_PAGE,
    spec="GET /pages/{page-id}/properties/{property-id}",
)
def get_page_property(call: Call) -> Answer:
    return Answer(body=property_json(_find_property(call)))


@operation(
    "PUT",
    "/api/v2/pages/{page_id}/properties/{property_id}",
    scopes=WRITE_PAGE,
    spec="PUT /pages/{page-id}/properties/{property-id}",
)
def update_page_property(call: Call) -> Answer:
    found = _find_property(call)
    data = _object(call)
    key = _property_key(data)
    value = _property_value(data)
    version = data.get("version")
    number = version.get("number") if isinstance(version, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise BadRequest("The version number of the property is required.")
    if number != found.version + 1:
        raise Conflict(
            "Version must be incremented on update. "
            f"Current version is: {found.version}"
        )
    if key != found.key:
        if call.site.property_by_key(found.page_id, key) is not None:
            raise Conflict(
                f"A property with key '{key}' already exists on this content."
            )
        call.site.rekey_property(found, key)
    message = version.get("message", "") if isinstance(version, dict) else ""
    found.value, found.version, found.message = value, number, str(message or "")
    found.author_id, found.created_at = (
        call.caller.user.account_id,
        call.site.clock.now(),
    )
    return Answer(body=property_json(found))


@operation(
    "DELETE",
    "/api/v2/pages/{page_id}/properties/{property_id}",
    scopes=WRITE_PAGE,
    spec="DELETE /pages/{page-id}/properties/{property-id}",
)
def delete_page_property(call: Call) -> Answer:
    call.site.drop_property(_find_property(call))
    return Answer(204)


@operation(
    "GET",
    "/api/v2/pages/{id}/labels",
    scopes=READ_PAGE,
    params=("prefix", "sort", "cursor", "limit"),
    spec="GET /pages/{id}/labels",
)
def get_page_labels(call: Call) -> Answer:
    page = find_page(call)
    prefix = call.choice("prefix", ("my", "team", "global", "system"))
    sort = call.choice("sort", ("id", "-id", "name", "-name"), "id") or "id"
    labels = [
        label for label in page.labels if prefix is None or label.prefix == prefix
    ]
    limit = parse_limit(call.one("limit"))
    by = sort.lstrip("-")
    chunk, cursor = page_of(
        call,
        labels,
        lambda label: (label.name if by == "name" else int(label.id), int(label.id)),
        sort,
        limit,
    )
    return respond(call, [label_json(label) for label in chunk], cursor)


@operation(
    "POST",
    "/api/v2/users-bulk",
    scopes=(("read:user:confluence",),),
    spec="POST /users-bulk",
)
def users_bulk(call: Call) -> Answer:
    ids = _object(call).get("accountIds")
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= 250
        or not all(isinstance(i, str) for i in ids)
    ):
        raise BadRequest("'accountIds' must list between 1 and 250 account ids.")
    found = (call.site.users.get(i) for i in dict.fromkeys(ids))
    results = [user_v2_json(u) for u in found if u is not None]
    return respond(call, results, None)


def _object(call: Call) -> dict[str, Any]:
    data = call.json()
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return data


def _comment_target(call: Call, data: dict[str, Any]) -> tuple[Page, Comment | None]:
    """The page a new comment lands on, and the comment it replies to, if any."""
    for other in ("blogPostId", "attachmentId", "customContentId"):
        if data.get(other) is not None:
            raise NotFound  # the stand-in holds pages only
    parent_id, page_id = data.get("parentCommentId"), data.get("pageId")
    parent = None
    if parent_id is not None:
        parent = call.site.comments.get(str(parent_id))
        if parent is None:
            raise NotFound
        page_id = page_id if page_id is not None else parent.page_id
        if str(page_id) != parent.page_id:
            raise BadRequest("The parent comment is not on the given page.")
    if page_id is None:
        raise BadRequest("One of pageId or parentCommentId is required.")
    page = call.site.pages.get(str(page_id))
    if page is None or str(page.status) != "current" or not can_see(call, page):
        raise NotFound
    return page, parent


def _storage_value(body: object) -> str:
    """The storage value of a flat or nested comment body."""
    if isinstance(body, dict) and isinstance(body.get("storage"), dict):
        body = body["storage"]
    if not isinstance(body, dict) or not isinstance(body.get("value"), str):
        raise BadRequest("A comment body with a value is required.")
    if body.get("representation") != "storage":
        # A stand-in limit: it keeps storage format only.
        raise BadRequest("This stand-in accepts representation=storage only.")
    value: str = body["value"]
    if not value.strip():
        raise BadRequest("A comment body cannot be empty.")
    return value


def _comment(
    call: Call, comment: Comment, body_format: str | None, *, full: bool
) -> dict[str, Any]:
    page = call.site.pages[comment.page_id]
    space = call.site.spaces[page.space_id]
    return comment_json(comment, page, space, body_format, full=full)


def _comment_list(call: Call, comments: list[Comment]) -> Answer:
    body_format = _body_format(call)
    sort = call.choice("sort", COMMENT_SORTS, "created-date") or "created-date"
    limit = parse_limit(call.one("limit"))
    chunk, cursor = page_of(
        call, comments, lambda c: (c.created_at.timestamp(), int(c.id)), sort, limit
    )
    return respond(
        call, [_comment(call, c, body_format, full=False) for c in chunk], cursor
    )


def _find_comment(call: Call, name: str) -> Comment:
    comment = call.site.comments.get(str(call.number(name)))
    if comment is None:
        raise NotFound
    page = call.site.pages[comment.page_id]
    if str(page.status) not in {"current", "archived"} or not can_see(call, page):
        raise NotFound
    return comment


def _find_property(call: Call) -> ContentProperty:
    page = find_page(call, "page_id")
    found = call.site.properties.get(str(call.number("property_id")))
    if found is None or found.page_id != page.id:
        raise NotFound
    return found


def _property_key(data: dict[str, Any]) -> str:
    key = data.get("key")
    if not isinstance(key, str) or not key:
        raise BadRequest("The key of the property cannot be empty.")
    if len(key) > PROPERTY_KEY_MAX:
        raise BadRequest(f"The key of the property is longer than {PROPERTY_KEY_MAX}.")
    return key


def _property_value(data: dict[str, Any]) -> object:
    if "value" not in data:
        raise BadRequest("The value of the property is required.")
    size = len(json.dumps(data["value"], separators=(",", ":")).encode())
    if size > PROPERTY_VALUE_MAX_BYTES:
        raise TooLarge(f"The value of the property is too long ({size} bytes).")
    return data["value"]


def _body_format(call: Call) -> str | None:
    chosen = call.choice("body-format", ("storage", "atlas_doc_format"))
    if chosen == "atlas_doc_format":
        raise BadRequest("This stand-in serves body-format=storage only.")
    return chosen
