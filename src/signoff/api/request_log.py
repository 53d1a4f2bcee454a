"""Request ids and structured logs: one JSON object per line when
`SIGNOFF_LOG_FORMAT=json`.

Every response carries `X-Request-ID`: the caller's own when it is sane (at most 64
of `A-Z a-z 0-9 . _ -`), else a new one, so a hostile value never reaches a log or
a header. With json on, each request is logged once, after its answer, with its
route template and path but never its query string, headers or cookies, where
tokens and session ids travel; other records keep their logger and message.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from signoff.api.route_templates import RouteTemplates, as_asked

HEADER = b"x-request-id"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FIELDS = "signoff_fields"  # a record's attribute holding a structured event
logger = logging.getLogger("signoff.requests")
request_id: ContextVar[str | None] = ContextVar("signoff_request_id", default=None)


def incoming_id(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is sane, else a fresh one."""
    for name, value in scope.get("headers", []):
        if name == HEADER:
            given = value.decode("latin-1")
            return given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Outermost: names the request, echoes its id, and (`log_requests`) logs it."""

    def __init__(
        self, app: ASGIApp, *, routes: list[BaseRoute], log_requests: bool
    ) -> None:
        self.app = app
        self.templates = RouteTemplates(routes)
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_id(scope)
        token = request_id.set(rid)
        asked = as_asked(scope)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", []) if h[0] != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log_requests:
                millis = (time.perf_counter() - started) * 1000
                route = self.templates.of(asked, scope, status)
                log_request(scope, route, status, millis, rid)
            request_id.reset(token)


def log_request(scope: Scope, route: str, status: int, millis: float, rid: str) -> None:
    client = scope.get("client")
    fields = {
        "event": "request",
        "method": scope.get("method", ""),
        "route": route,
        "path": scope.get("path", ""),  # the query string is left out on purpose
        "status": status,
        "durationMs": round(millis, 3),
        "requestId": rid,
        "client": client[0] if client else None,
    }
    logger.info("request", extra={FIELDS: fields})


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: `{"time", "level", ...}`, then the event's
    fields, or `logger` and `message` (and `requestId` inside a request)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["logger"] = record.name
            line["message"] = record.getMessage()
            if (rid := request_id.get()) is not None:
                line["requestId"] = rid
            if record.exc_info:
                line["exception"] = self.formatException(record.exc_info)
        # ASCII only: no raw U+2028 or other line separator can split a line.
        return json.dumps(line, default=str)


def log_config(log_format: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` for uvicorn (`log_config=`): uvicorn's own
    for `text`; for `json`, every record through `JsonFormatter` on stderr and
    uvicorn's access lines off, since the request lines replace them."""
    if log_format != "json":
        return copy.deepcopy(LOGGING_CONFIG)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["json"], "level": "WARNING"},
        "loggers": {
            "signoff": {"level": "INFO"},
            "uvicorn": {"level": "INFO"},
            "uvicorn.access": {"level": "WARNING", "propagate": False},
        },
    }
