"""Cursor pagination as Confluence does it: an opaque cursor, `_links.next` relative
and starting with `/wiki/...` whatever base the caller used, a `Link` header, and
no `next` on the last page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from confluence_site.errors import BadRequest

DEFAULT_LIMIT = 25
MAX_LIMIT = 250


def encode_cursor(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> dict[str, Any]:
    try:
        padded = text + "=" * (-len(text) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"Invalid cursor: {text}") from error
    if not isinstance(decoded, dict):
        raise BadRequest(f"Invalid cursor: {text}")
    return decoded


def parse_limit(
    raw: str | None, *, default: int = DEFAULT_LIMIT, most: int = MAX_LIMIT
) -> int:
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError as error:
        raise BadRequest(
            f"Provided value {{{raw}}} for 'limit' is not the correct type."
        ) from error
    if not 1 <= limit <= most:
        raise BadRequest(f"'limit' must be between 1 and {most}.")
    return limit


def next_link(path: str, params: Sequence[tuple[str, str]], cursor: str) -> str:
    """`path` as the site spells it (`/wiki/api/v2/...`), the caller's filters kept."""
    kept = [(k, v) for k, v in params if k != "cursor"]
    return f"{path}?{urlencode([*kept, ('cursor', cursor)])}"


def list_answer(
    results: list[Any], base: str, next_url: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of one page of a v2 list."""
    links: dict[str, str] = {"base": base}
    headers: dict[str, str] = {}
    if next_url is not None:
        links = {"next": next_url, "base": base}
        headers["Link"] = f'<{next_url}>; rel="next", <{base}>; rel="base"'
    return {"results": results, "_links": links}, headers
