"""The site as an ASGI app: both base forms, auth, the request log and the faults.

`/wiki/...` is the site form and `/ex/confluence/{cloudId}/wiki/...` the gateway
form; both serve the same operations. Every request is logged before anything else
happens, then may meet a fault (429, 503, a reset connection) before it is answered.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import socket
import struct
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from confluence_site import (  # noqa: F401 - they register
    v1_groups,
    v1_routes,
    v2_pages,
    v2_parts,
)
from confluence_site.auth import AuthRefused, authenticate, check_scopes
from confluence_site.calls import OPERATIONS, Answer, Call, Operation
from confluence_site.errors import (
    NOT_LICENSED,
    SCOPE_MISMATCH,
    SITE_UNAUTHORIZED_TEXT,
    SiteError,
    v1_error,
    v2_error,
)
from confluence_site.faults import (
    HEADERS_OF_INTEREST,
    Fault,
    FaultKind,
    LoggedRequest,
    retry_deadline,
)
from confluence_site.site import ConfluenceSite

Transports = MutableMapping[tuple[str, int], asyncio.Transport]


def create_app(site: ConfluenceSite, transports: Transports | None = None) -> ASGIApp:
    """The app; `transports` (peer -> transport, kept by the server) lets a reset
    fault abort the very connection it answers on."""
    wiki = Router(
        routes=[
            Route(op.path, endpoint=_endpoint(site, op), methods=[op.method])
            for op in OPERATIONS
        ],
        default=_not_found,
    )
    router = Router(
        routes=[
            Route("/_edge/tenant_info", endpoint=_tenant_info(site)),
            Route(
                "/oauth/token/accessible-resources",
                endpoint=_accessible_resources(site),
            ),
            Mount("/wiki", app=wiki),
            Mount("/ex/confluence/{cloud_id}/wiki", app=wiki),
        ]
    )
    return _SiteLayer(router, site, transports if transports is not None else {})


def _endpoint(site: ConfluenceSite, op: Operation) -> Any:
    async def endpoint(request: Request) -> Response:
        cloud_id = request.path_params.get("cloud_id")
        gateway = cloud_id is not None
        if gateway and cloud_id != site.cloud_id:
            return JSONResponse({"code": 404, "message": "Not Found"}, 404)
        body = await request.body()
        with site.lock:
            try:
                caller = authenticate(
                    site, request.headers.get("authorization"), gateway=gateway
                )
                if gateway:
                    check_scopes(caller, op.scopes)
            except AuthRefused as refusal:
                return _unauthorized(refusal, gateway)
            if not caller.user.licensed:
                return JSONResponse(NOT_LICENSED, 403)
            call = Call(
                site=site,
                caller=caller,
                path_params={k: str(v) for k, v in request.path_params.items()},
                params=parse_qsl(request.url.query, keep_blank_values=True),
                body=body,
                site_base=f"{request.url.scheme}://{request.url.netloc}/wiki",
                path=_site_path(request.url.path),
            )
            try:
                answer = op.handler(call)
            except SiteError as error:
                body_json = (v2_error if op.v2 else v1_error)(error.status, error.title)
                return JSONResponse(body_json, error.status)
        return _render(answer)

    return endpoint


def _render(answer: Answer) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return JSONResponse(answer.body, answer.status, headers=answer.headers)


def _unauthorized(refusal: AuthRefused, gateway: bool) -> Response:
    if refusal.scope:
        return JSONResponse(
            SCOPE_MISMATCH,
            401,
            headers={"X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK"},
        )
    if gateway:
        return JSONResponse({"code": 401, "message": "Unauthorized"}, 401)
    return PlainTextResponse(SITE_UNAUTHORIZED_TEXT, 401)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    path = str(scope["path"])
    body = v2_error(404) if "/api/v2/" in path else v1_error(404)
    await JSONResponse(body, 404)(scope, receive, send)


def _tenant_info(site: ConfluenceSite) -> Any:
    async def tenant_info(request: Request) -> Response:
        return JSONResponse({"cloudId": site.cloud_id})

    return tenant_info


def _accessible_resources(site: ConfluenceSite) -> Any:
    """The sites a bearer token reaches: this one, with the token's scopes."""

    async def accessible_resources(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        with site.lock:
            found = site.bearer_tokens.get(token.strip())
            if scheme.lower() != "bearer" or found is None or found.revoked:
                return JSONResponse({"code": 401, "message": "Unauthorized"}, 401)
            scopes = sorted(found.scopes)
        root = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse(
            [
                {
                    "id": site.cloud_id,
                    "name": site.name,
                    "url": root,
                    "scopes": scopes,
                    "avatarUrl": f"{root}/avatars/240/site.png",
                }
            ]
        )

    return accessible_resources


def _site_path(path: str) -> str:
    """The path as the site spells it: the gateway's `/ex/confluence/{id}` dropped."""
    if path.startswith("/ex/confluence/"):
        parts = path.split("/", 4)
        return "/" + parts[4] if len(parts) > 4 else path
    return path


class _SiteLayer:
    """Logs each request, then answers it with a fault or hands it on."""

    def __init__(
        self, app: ASGIApp, site: ConfluenceSite, transports: Transports
    ) -> None:
        self.app = app
        self.site = site
        self.transports = transports

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = self._record(scope)
        self.site.log.add(record)
        path = str(scope["path"])
        fault = (
            self.site.faults.take(path) if path.startswith(("/wiki", "/ex/")) else None
        )
        if fault is not None and fault.kind is FaultKind.RESET:
            await self._reset(scope, send)
            return
        if fault is not None and fault.kind is FaultKind.LOST_ANSWER:

            async def swallowed(message: MutableMapping[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallowed)
            await self._reset(scope, send)
            return
        if fault is not None:
            await self._refuse(fault, record, path)(scope, receive, send)
            return

        async def logged_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                record.status = int(message["status"])
            await send(message)

        await self.app(scope, receive, logged_send)

    def _record(self, scope: Scope) -> LoggedRequest:
        headers = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
        }
        query = scope.get("query_string", b"").decode("latin-1")
        return LoggedRequest(
            method=str(scope["method"]),
            path=str(scope["path"]),
            query=query,
            params=tuple(parse_qsl(query, keep_blank_values=True)),
            headers={k: headers[k] for k in HEADERS_OF_INTEREST if k in headers},
            auth=_describe_auth(headers.get("authorization")),
            at=time.time(),
            monotonic=time.monotonic(),
            site_time=self.site.clock.now(),
        )

    def _refuse(self, fault: Fault, record: LoggedRequest, path: str) -> Response:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            value, not_before = retry_deadline(fault, record.at, record.monotonic)
            headers["Retry-After"] = value
            record.retry_not_before = not_before
        if fault.kind is FaultKind.RATE_LIMITED:
            reset = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            headers |= {
                "X-RateLimit-Limit": "40000",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": (reset + timedelta(hours=1)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "X-RateLimit-NearLimit": "true",
                "RateLimit-Reason": fault.reason,
            }
        record.status = fault.status
        body = v2_error(fault.status) if "/api/v2/" in path else v1_error(fault.status)
        return JSONResponse(body, fault.status, headers=headers)

    async def _reset(self, scope: Scope, send: Send) -> None:
        """Headers and a first slice of the body, then a TCP reset."""
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"4096"),
                ],
            }
        )
        await send(
            {
                "type": "http.response.body",
                "body": b'{"results":[{"id":"',
                "more_body": True,
            }
        )
        client = scope.get("client")
        transport = self.transports.get((client[0], client[1])) if client else None
        if transport is None:
            raise ConnectionResetError(
                "the stand-in dropped this connection on purpose"
            )
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        transport.abort()
        for _ in range(5):  # let the server see the connection go before returning
            await asyncio.sleep(0)


def _describe_auth(header: str | None) -> str:
    """Which credential, never its secret: `basic:EMAIL`, `bearer:…` or `none`."""
    if not header:
        return "none"
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            email = (
                base64.b64decode(value.strip(), validate=True)
                .decode()
                .partition(":")[0]
            )
        except (binascii.Error, UnicodeDecodeError):
            return "basic:?"
        return f"basic:{email}"
    if scheme.lower() == "bearer":
        return f"bearer:{value.strip()[:6]}…"
    return scheme.lower()
