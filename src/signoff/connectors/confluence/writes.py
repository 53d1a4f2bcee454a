"""What Signoff writes into Confluence: footer comments and a content property.

Confluence has no idempotency keys, so every comment carries a reference (`marker`)
in its text; a write sent again after an unclear failure first looks for a comment
bearing it and returns that one instead of posting twice. The content property is
written with Confluence's optimistic versioning: read by key, POST when absent, PUT
with the next version number otherwise, and on a 409 (someone else wrote first)
read again and retry, a bounded number of times. A page that no longer stands on
a review has the property removed (`remove_property`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.http import ConfluenceHttp

V2 = "/api/v2"
STORAGE = "storage"
PROPERTY_ATTEMPTS = 4
MARKER_PREFIX = "Signoff reference "


def marker_text(reference: str) -> str:
    """The line that names a comment's write, e.g. `Signoff reference m-42`."""
    return f"{MARKER_PREFIX}{reference}"


def with_marker(body: str, reference: str) -> str:
    return f"{body}<p><sub>{marker_text(reference)}</sub></p>"


def post_comment(
    http: ConfluenceHttp,
    body: str,
    reference: str,
    *,
    page_id: str | None = None,
    parent_id: str | None = None,
    resent: bool = False,
) -> str:
    """Post `body` as a footer comment on `page_id`, or as a reply to `parent_id`;
    the comment's id. `resent` when an earlier attempt may have been written."""
    if (page_id is None) == (parent_id is None):
        raise ValueError("give a page or a parent comment, not both")
    if resent:
        found = find_comment(http, reference, page_id=page_id, parent_id=parent_id)
        if found is not None:
            return found
    target: dict[str, Any] = (
        {"pageId": page_id} if page_id is not None else {"parentCommentId": parent_id}
    )
    answer = http.post(
        f"{V2}/footer-comments",
        {
            **target,
            "body": {"representation": STORAGE, "value": with_marker(body, reference)},
        },
    )
    return str(answer.body["id"])


def find_comment(
    http: ConfluenceHttp,
    reference: str,
    *,
    page_id: str | None = None,
    parent_id: str | None = None,
) -> str | None:
    """The id of the comment that carries `reference`, if one was written."""
    path = (
        f"{V2}/pages/{page_id}/footer-comments"
        if page_id is not None
        else f"{V2}/footer-comments/{parent_id}/children"
    )
    wanted = marker_text(reference)
    for comment in http.walk(path, {"body-format": STORAGE}):
        value = ((comment.get("body") or {}).get(STORAGE) or {}).get("value") or ""
        if wanted in value:
            return str(comment["id"])
    return None


@dataclass(frozen=True)
class WrittenProperty:
    id: str
    version: int


def put_property(
    http: ConfluenceHttp, page_id: str, key: str, value: Any
) -> WrittenProperty:
    """Make `key` on the page hold `value`, whoever wrote it last."""
    path = f"{V2}/pages/{page_id}/properties"
    for attempt in range(PROPERTY_ATTEMPTS):
        current = _property(http, path, key)
        try:
            if current is None:
                made = http.post(path, {"key": key, "value": value}).body
            else:
                number = int(current["version"]["number"]) + 1
                made = http.put(
                    f"{path}/{current['id']}",
                    {
                        "key": key,
                        "value": value,
                        "version": {"number": number, "message": "Signoff"},
                    },
                ).body
        except ConfluenceError as error:
            if error.status == 409 and attempt + 1 < PROPERTY_ATTEMPTS:
                continue  # written meanwhile: read it again
            raise
        return WrittenProperty(str(made["id"]), int(made["version"]["number"]))
    raise AssertionError("unreachable: the last attempt returns or raises")


def remove_property(http: ConfluenceHttp, page_id: str, key: str) -> bool:
    """Delete `key` from the page if it is there; whether there was one."""
    path = f"{V2}/pages/{page_id}/properties"
    current = _property(http, path, key)
    if current is None:
        return False
    try:
        http.delete(f"{path}/{current['id']}")
    except ConfluenceError as error:
        if error.status != 404:  # deleted meanwhile: as good
            raise
    return True


def _property(http: ConfluenceHttp, path: str, key: str) -> dict[str, Any] | None:
    for found in http.walk(path, {"key": key}):
        if found.get("key") == key:
            return dict(found)
    return None
