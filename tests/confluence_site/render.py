"""The JSON the site answers with, field for field as Confluence writes it.

Some fields here are in real answers but not in Atlassian's OpenAPI document
(`version.ncsStepVersion`, `_links.edituiv2`): they stay, so clients are tested on
tolerating fields they do not know.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote_plus

from confluence_site.clock import confluence_time
from confluence_site.records import (
    Comment,
    ContentProperty,
    Label,
    Page,
    Space,
    User,
    Version,
)

Json = dict[str, Any]


def tiny_link(content_id: str) -> str:
    """Confluence's short link: the id's little-endian bytes in URL-safe base64."""
    raw = int(content_id).to_bytes(8, "little").rstrip(b"\0")
    text = (
        base64.b64encode(raw).decode().rstrip("=").replace("/", "-").replace("+", "_")
    )
    return "/x/" + text.rstrip("A")


def version_json(version: Version, *, ncs: bool = True) -> Json:
    shaped: Json = {
        "number": version.number,
        "message": version.message,
        "minorEdit": version.minor_edit,
        "authorId": version.author_id,
        "createdAt": confluence_time(version.created_at),
    }
    if ncs:
        shaped["ncsStepVersion"] = str(1000 + version.number)
    return shaped


def body_json(storage: str, body_format: str | None) -> Json:
    if body_format is None:
        return {}
    return {"storage": {"representation": "storage", "value": storage}}


def space_json(space: Space, base: str | None = None) -> Json:
    shaped: Json = {
        "id": space.id,
        "key": space.key,
        "name": space.name,
        "type": space.type,
        "status": space.status,
        "authorId": space.author_id,
        "createdAt": confluence_time(space.created_at),
        "homepageId": space.homepage_id,
        "_links": {"webui": f"/spaces/{space.key}"},
    }
    if space.homepage_id is None:
        del shaped["homepageId"]
    if base is not None:
        shaped["_links"]["base"] = base
    return shaped


def page_json(
    page: Page,
    space: Space,
    version: Version,
    *,
    body_format: str | None,
    status: str | None = None,
    include_version: bool = True,
) -> Json:
    """PageBulk (and the core of PageSingle) for `version` of the page."""
    slug = quote_plus(version.title)
    shaped: Json = {
        "parentId": page.parent_id,
        "parentType": "page" if page.parent_id is not None else None,
        "ownerId": page.author_id,
        "lastOwnerId": None,
        "position": page.position,
        "createdAt": confluence_time(page.created_at),
        "authorId": page.author_id,
        "status": status or str(page.status),
        "title": version.title,
        "spaceId": page.space_id,
        "id": page.id,
        "body": body_json(version.body, body_format),
        "_links": {
            "editui": f"/pages/resumedraft.action?draftId={page.id}",
            "webui": f"/spaces/{space.key}/pages/{page.id}/{slug}",
            "edituiv2": f"/spaces/{space.key}/pages/edit-v2/{page.id}",
            "tinyui": tiny_link(page.id),
        },
    }
    if include_version:
        shaped["version"] = version_json(version)
    return shaped


def page_version_json(page: Page, version: Version, body_format: str | None) -> Json:
    shaped = version_json(version, ncs=False)
    shaped["page"] = {"id": page.id, "title": version.title}
    if body_format is not None:
        shaped["page"]["body"] = body_json(version.body, body_format)
    return shaped


def detailed_version_json(page: Page, version: Version) -> Json:
    shaped = version_json(version, ncs=False)
    shaped["contentTypeModified"] = False
    shaped["collaborators"] = [version.author_id]
    if version.number > 1:
        shaped["prevVersion"] = version.number - 1
    if version.number < page.current.number:
        shaped["nextVersion"] = version.number + 1
    return shaped


def comment_json(
    comment: Comment, page: Page, space: Space, body_format: str | None, *, full: bool
) -> Json:
    """A footer comment: `full` is FooterCommentModel (create, get by id); otherwise
    the list shapes, which name either the page (roots) or the parent (replies)."""
    version = Version(
        1, comment.author_id, comment.created_at, "", False, "", comment.body
    )
    slug = quote_plus(page.title)
    shaped: Json = {
        "id": comment.id,
        "status": comment.status,
        "title": f"Re: {page.title}",
        "version": version_json(version, ncs=False),
        "body": body_json(comment.body, body_format),
        "_links": {
            "webui": f"/spaces/{space.key}/pages/{page.id}/{slug}"
            f"?focusedCommentId={comment.id}"
        },
    }
    if full or comment.parent_comment_id is None:
        shaped["pageId"] = page.id
    if comment.parent_comment_id is not None:
        shaped["parentCommentId"] = comment.parent_comment_id
    return shaped


def property_json(found: ContentProperty) -> Json:
    version = Version(
        found.version, found.author_id, found.created_at, found.message, False, "", ""
    )
    return {
        "id": found.id,
        "key": found.key,
        "value": found.value,
        "version": version_json(version, ncs=False),
    }


def label_json(label: Label) -> Json:
    return {"id": label.id, "name": label.name, "prefix": label.prefix}


def user_v2_json(user: User) -> Json:
    return {
        "accountId": user.account_id,
        "accountType": user.account_type,
        "accountStatus": user.account_status,
        "email": user.email if user.email_visible else "",
        "publicName": user.public_name,
        "displayName": user.display_name,
        "timeZone": user.time_zone,
        "isExternalCollaborator": False,
        "profilePicture": _picture(user, sized=False),
    }


def user_v1_json(user: User, site_base: str) -> Json:
    return {
        "type": "known",
        "accountId": user.account_id,
        "accountType": user.account_type,
        "email": user.email if user.email_visible else "",
        "publicName": user.public_name,
        "displayName": user.display_name,
        "timeZone": user.time_zone,
        "profilePicture": _picture(user, sized=True),
        "isExternalCollaborator": False,
        "isGuest": False,
        "_expandable": {"operations": "", "personalSpace": ""},
        "_links": {
            "self": f"{site_base}/rest/api/user?accountId={user.account_id}",
            "base": site_base,
            "context": "/wiki",
        },
    }


def _picture(user: User, *, sized: bool) -> Json:
    picture: Json = {"path": f"/wiki/aa-avatar/{user.account_id}", "isDefault": False}
    if sized:
        picture |= {"width": 48, "height": 48}
    return picture
