"""Errors to HTTP, once for the whole application.

Every `SignoffError` becomes `{"success": false, "error": <its sentence>}` with the
status its kind calls for; request validation failures become a 400 that names the
field, or a 404 for an id outside the stored range. Under `/wiki/` (the page store,
in Confluence Cloud's shapes) the same errors wear Confluence's v2 envelope instead:
`{"errors": [{"status", "code", "title", "detail"}]}`. Routes never build error
responses themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from signoff.api.problems import ApiProblem
from signoff.domain.errors import (
    BadInput,
    InvalidState,
    NotAllowed,
    NotFound,
    SignoffError,
    VersionConflict,
)
from signoff.ids import ID_NOT_FOUND, missing
from signoff.web.templating import error_page

# Checked in order, so a subclass (VersionConflict is an InvalidState) needs no entry.
STATUS_BY_ERROR: tuple[tuple[type[SignoffError], int], ...] = (
    (BadInput, 400),
    (NotAllowed, 403),
    (NotFound, 404),
    (InvalidState, 409),
)
REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie"})
CONFLUENCE_PREFIX = "/wiki/"
REST_API_PREFIX = "/api/v1/"
# Interfaces that answer machines in JSON; every other path is a page of the web UI.
MACHINE_PREFIXES = ("/api/", CONFLUENCE_PREFIX, "/oauth/", "/.well-known/")
# Confluence Cloud v2's `code` and `title` for each status Signoff answers with.
CONFLUENCE_ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_REQUEST_PARAMETER", "Bad Request"),
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not Found"),
    405: ("METHOD_NOT_ALLOWED", "Method Not Allowed"),
    409: ("CONFLICT", "Conflict"),
    413: ("REQUEST_ENTITY_TOO_LARGE", "Request Entity Too Large"),
    414: ("URI_TOO_LONG", "URI Too Long"),
    422: ("UNPROCESSABLE_ENTITY", "Unprocessable Entity"),
    429: ("TOO_MANY_REQUESTS", "Too Many Requests"),
    431: ("REQUEST_HEADER_FIELDS_TOO_LARGE", "Request Header Fields Too Large"),
}


def status_for(error: SignoffError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def error_body(message: str) -> dict[str, Any]:
    return {"success": False, "error": message}


def confluence_error_body(status: int, message: str | None) -> dict[str, Any]:
    code, title = CONFLUENCE_ERRORS.get(status, ("ERROR", "Error"))
    return {
        "errors": [{"status": status, "code": code, "title": title, "detail": message}]
    }


def is_confluence(request: Request) -> bool:
    return request.url.path.startswith(CONFLUENCE_PREFIX)


def error_response(
    request: Request,
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error in the envelope of the interface that was called."""
    body = (
        confluence_error_body(status, message)
        if is_confluence(request)
        else error_body(message)
    )
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def confluence_message(error: SignoffError) -> str:
    """Confluence's own words where a client may look for them (a stale page PUT)."""
    if isinstance(error, VersionConflict):
        return (
            "Version must be incremented on update. "
            f"Current version is: {error.expected}"
        )
    return error.message


def field_name(location: Sequence[str | int]) -> str:
    """`("body", "pageRefs", 0, "pageId")` -> `pageRefs[0].pageId`."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        elif not name and part in REQUEST_PARTS:
            continue
        else:
            name += f".{part}" if name else part
    return name or "body"


def validation_message(error: RequestValidationError) -> str:
    """One sentence naming the first field that failed, as a person would say it."""
    problems = error.errors()
    if not problems:
        return "The request is not valid."
    first = problems[0]
    name = field_name(first.get("loc", ()))
    if first.get("type") == "missing":
        return f"{name} is required."
    return f"{name}: {first.get('msg', 'is not valid')}."


async def handle_signoff_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SignoffError)
    message = confluence_message(error) if is_confluence(request) else error.message
    return error_response(request, status_for(error), message)


async def handle_api_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return error_response(request, error.status, error.message, error.headers)


async def handle_validation_error(request: Request, error: Exception) -> Response:
    """400 naming the field; 404 when an id names nothing the database could hold
    (`signoff.ids`), worded as for any missing object, whatever else is wrong. The
    web UI's pages answer with its error page rather than JSON."""
    assert isinstance(error, RequestValidationError)
    unknown = next((p for p in error.errors() if p.get("type") == ID_NOT_FOUND), None)
    if unknown is None:
        status, message = 400, validation_message(error)
    else:
        shown = str((unknown.get("ctx") or {}).get("id", ""))
        status, message = 404, missing(field_name(unknown.get("loc", ())), shown)
    if not request.url.path.startswith(MACHINE_PREFIXES):
        return error_page(request, message, status=status)
    return error_response(request, status, message)


async def handle_http_exception(request: Request, error: Exception) -> Response:
    """Unknown paths and methods, and bodies that cannot be read, answer in the
    envelope of the interface called: Confluence's under `/wiki/`, the REST API's
    under `/api/v1/`."""
    assert isinstance(error, HTTPException)
    path = request.url.path
    if not (is_confluence(request) or path.startswith(REST_API_PREFIX)):
        return await http_exception_handler(request, error)
    return error_response(request, error.status_code, str(error.detail), error.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignoffError, handle_signoff_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(ApiProblem, handle_api_problem)
    app.add_exception_handler(HTTPException, handle_http_exception)
