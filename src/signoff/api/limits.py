"""Request limits checked at the door, before routing, parsing or any database work.

Every request: a path longer than `MAX_PATH_BYTES` is refused with 414, headers larger
than `MAX_HEADER_BYTES` in all or more than `MAX_HEADERS` of them with 431 (the server
in front may allow far more: uvicorn's httptools parser takes megabytes of headers).
API requests (`/api/v1`, `/wiki/api`): a body larger than the API's cap is refused with
413 as soon as it is announced or has grown past it, so it is never held in memory in
full; a JSON body nested deeper than `MAX_JSON_DEPTH` is refused with 400, since every
API shape is shallow and deep nesting only exhausts parsers and serialisers.

Refusals under the APIs wear the envelope of the interface called; elsewhere they are
plain text.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signoff.api.errors import CONFLUENCE_PREFIX, confluence_error_body, error_body
from signoff.api.request_input import MAX_BODY_BYTES

MAX_PATH_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100
MAX_JSON_DEPTH = 32
API_PREFIXES = ("/api/", "/wiki/api/")


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        refusal = _head_refusal(scope)
        if refusal is not None:
            await _refuse(send, path, *refusal)
            return
        if not path.startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        body = await _read_capped(scope, receive)
        if body is None:
            await _refuse(
                send,
                path,
                413,
                f"The request body is larger than {MAX_BODY_BYTES} bytes.",
            )
            return
        if too_deep(body):
            await _refuse(
                send,
                path,
                400,
                f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.",
            )
            return
        await self.app(scope, _replay(body, receive), send)


def _head_refusal(scope: Scope) -> tuple[int, str] | None:
    raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode()
    if len(raw_path) + len(scope.get("query_string", b"")) > MAX_PATH_BYTES:
        return 414, f"The URL is longer than {MAX_PATH_BYTES} bytes."
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    if len(headers) > MAX_HEADERS:
        return 431, f"The request has more than {MAX_HEADERS} headers."
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        return 431, f"The request headers are larger than {MAX_HEADER_BYTES} bytes."
    return None


async def _read_capped(scope: Scope, receive: Receive) -> bytes | None:
    """The whole body, or None as soon as it is announced or grows past the cap."""
    for name, value in scope.get("headers", []):
        if (
            name == b"content-length"
            and value.isdigit()
            and int(value) > MAX_BODY_BYTES
        ):
            return None
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return bytes(body)
        body.extend(message.get("body", b""))
        if len(body) > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def too_deep(body: bytes) -> bool:
    """Whether `body` is JSON nested deeper than `MAX_JSON_DEPTH`.

    A body that is not JSON is left to the route, which refuses it in its own words.
    """
    if b"[" not in body and b"{" not in body:
        return False
    try:
        document = json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False
    return _depth(document) > MAX_JSON_DEPTH


def _depth(document: Any) -> int:
    """Nesting depth, walked with a stack so no document can exhaust recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the route the body already read, then the client's
    own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, path: str, status: int, message: str) -> None:
    if path.startswith(API_PREFIXES) or path.startswith(CONFLUENCE_PREFIX):
        envelope = (
            confluence_error_body(status, message)
            if path.startswith(CONFLUENCE_PREFIX)
            else error_body(message)
        )
        content = json.dumps(envelope, separators=(",", ":")).encode()
        media_type = b"application/json"
    else:
        content, media_type = message.encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(content)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
