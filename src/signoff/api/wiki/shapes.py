"""Confluence Cloud v2's JSON shapes, rendered from the page store's read models.

Ids are strings, times are `YYYY-MM-DDTHH:mm:ss.sssZ`, lists are `{results, _links}`
with `_links.next` a relative URL carrying the cursor (absent on the last page) and
`_links.base` the site's base URL. `webui` links are relative to that base. A body is
`{}` unless the caller asked for `body-format=storage`, as Confluence answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from signoff.notify.approval_value import approval_value_json
from signoff.queries.approval_property import APPROVAL_PROPERTY_KEY, ApprovalProperty
from signoff.queries.comments import CommentView
from signoff.queries.store import PageView, SpaceView, VersionView

PREFIX = "/wiki/api/v2"
STORAGE = "storage"


def confluence_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url)


def listing(
    request: Request, results: Sequence[dict[str, Any]], cursor: str | None
) -> dict[str, Any]:
    links: dict[str, str] = {}
    if cursor is not None:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        links["next"] = f"{request.url.path}?{urlencode([*kept, ('cursor', cursor)])}"
    links["base"] = base_url(request)
    return {"results": list(results), "_links": links}


def single(request: Request, shaped: dict[str, Any]) -> dict[str, Any]:
    """One object as a single-object endpoint returns it: with `_links.base`."""
    return {**shaped, "_links": {**shaped["_links"], "base": base_url(request)}}


def version_json(
    number: int, message: str, created_at: datetime, author_id: str | None
) -> dict[str, Any]:
    return {
        "createdAt": confluence_time(created_at),
        "message": message,
        "number": number,
        "minorEdit": False,
        "authorId": author_id,
    }


def storage(value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    return {STORAGE: {"representation": STORAGE, "value": value}}


def space_json(space: SpaceView) -> dict[str, Any]:
    return {
        "id": str(space.id),
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "authorId": space.created_by,
        "createdAt": confluence_time(space.created_at),
        "homepageId": None,
        "description": None,
        "icon": None,
        "_links": {"webui": f"/spaces/{space.key}"},
    }


def page_webui(space_key: str, page_id: int) -> str:
    return f"/spaces/{space_key}/pages/{page_id}"


def page_json(page: PageView) -> dict[str, Any]:
    version = page.version
    return {
        "id": str(page.id),
        "status": page.status,
        "title": page.title,
        "spaceId": str(page.space_id),
        "parentId": None if page.parent_id is None else str(page.parent_id),
        "parentType": None if page.parent_id is None else "page",
        "position": None,
        "authorId": page.created_by,
        "ownerId": page.created_by,
        "lastOwnerId": None,
        "createdAt": confluence_time(page.created_at),
        "version": version_json(
            version.number, version.message, version.created_at, version.author_id
        ),
        "body": storage(version.body),
        "_links": {"webui": page_webui(page.space_key, page.id)},
    }


def page_version_json(page_id: int, version: VersionView) -> dict[str, Any]:
    """An entry of `GET /pages/{id}/versions`: the version and its page."""
    page: dict[str, Any] = {"id": str(page_id), "title": version.title}
    if version.body is not None:
        page["body"] = storage(version.body)
    return {
        **version_json(
            version.number, version.message, version.created_at, version.author_id
        ),
        "page": page,
    }


def version_detail_json(version: VersionView, current: int) -> dict[str, Any]:
    """`GET /pages/{id}/versions/{n}`: no body, but its neighbours' numbers."""
    return {
        "number": version.number,
        "authorId": version.author_id,
        "message": version.message,
        "createdAt": confluence_time(version.created_at),
        "minorEdit": False,
        "contentTypeModified": False,
        "collaborators": [version.author_id] if version.author_id else [],
        "prevVersion": version.number - 1 if version.number > 1 else None,
        "nextVersion": version.number + 1 if version.number < current else None,
    }


def comment_json(comment: CommentView) -> dict[str, Any]:
    return {
        "id": str(comment.id),
        "status": "current",
        "title": f"Re: {comment.page_title}",
        "pageId": str(comment.page_id),
        "parentCommentId": (
            None if comment.parent_id is None else str(comment.parent_id)
        ),
        "version": version_json(1, "", comment.created_at, comment.author_id),
        "body": storage(comment.body),
        "_links": {
            "webui": f"{page_webui(comment.space_key, comment.page_id)}"
            f"?focusedCommentId={comment.id}"
        },
    }


def property_json(prop: ApprovalProperty) -> dict[str, Any]:
    return {
        "id": str(prop.page_id),
        "key": APPROVAL_PROPERTY_KEY,
        "value": approval_value_json(prop.value),
        "version": version_json(prop.number, "", prop.changed_at, prop.changed_by),
    }
