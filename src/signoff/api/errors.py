"""Errors to HTTP, once for the whole application.

Every `SignoffError` answers with the status and the sentence of `web/refusals.py`,
wrapped for the interface called: `{"success": false, "error": <sentence>}` under the
REST API, Confluence's v2 envelope `{"errors": [{"status", "code", "title",
"detail"}]}` under `/wiki/` (the page store, in Confluence Cloud's shapes), and the
UI's error page everywhere else. Request validation failures become a 400 that names
the field, or a 404 for an id outside the stored range. Routes never build error
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

from signoff.api.approvalmacro import problems as approval_records
from signoff.api.problems import ApiProblem
from signoff.domain.errors import SignoffError, VersionConflict
from signoff.ids import ID_NOT_FOUND, missing
from signoff.web.refusals import refusal
from signoff.web.sessions import current_session
from signoff.web.templating import error_page

REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie"})
CONFLUENCE_PREFIX = "/wiki/"
REST_API_PREFIX = "/api/v1/"
# Interfaces that answer machines in JSON; every other path is a page of the web UI.
MACHINE_PREFIXES = (
    "/api/",
    CONFLUENCE_PREFIX,
    "/oauth/",
    "/.well-known/",
    approval_records.PREFIX + "/",
)
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


def error_body(message: str) -> dict[str, Any]:
    return {"success": False, "error": message}


def confluence_error_body(status: int, message: str | None) -> dict[str, Any]:
    code, title = CONFLUENCE_ERRORS.get(status, ("ERROR", "Error"))
    return {
        "errors": [{"status": status, "code": code, "title": title, "detail": message}]
    }


def is_confluence(request: Request) -> bool:
    return request.url.path.startswith(CONFLUENCE_PREFIX)


def is_approval_records(request: Request) -> bool:
    return request.url.path.startswith(approval_records.PREFIX + "/")


def is_web_page(request: Request) -> bool:
    """A page of the web UI: a person reads the answer, so it is HTML."""
    return not request.url.path.startswith(MACHINE_PREFIXES)


def error_response(
    request: Request,
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error in the envelope of the interface that was called."""
    if is_approval_records(request):
        status = approval_records.records_status(status)
        body = approval_records.records_error_body(status, message)
    elif is_confluence(request):
        body = confluence_error_body(status, message)
    else:
        body = error_body(message)
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


async def handle_signoff_error(request: Request, error: Exception) -> Response:
    """The refusal's status and sentence, in the wrapping of the interface called;
    the UI's error page keeps the signed-in person's navigation."""
    assert isinstance(error, SignoffError)
    shown = refusal(error)
    if is_web_page(request):
        # The person's navigation too, looked up as the validation handler does.
        current = await current_session(request)
        return error_page(request, shown.sentence, status=shown.status, current=current)
    message = confluence_message(error) if is_confluence(request) else shown.sentence
    return error_response(request, shown.status, message)


async def handle_api_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return error_response(request, error.status, error.message, error.headers)


def _in_path(error: RequestValidationError) -> bool:
    """Whether the refused value is part of the address (a page's id, a set's)."""
    return any(tuple(p.get("loc", ()))[:1] == ("path",) for p in error.errors())


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
        if unknown is None and _in_path(error):
            message = "This address names nothing: its id must be a number."
        current = await current_session(request)
        return error_page(request, message, status=status, current=current)
    return error_response(request, status, message)


async def handle_http_exception(request: Request, error: Exception) -> Response:
    """Unknown paths and methods, and bodies that cannot be read, answer in the
    envelope of the interface called: Confluence's under `/wiki/`, the REST API's
    under `/api/v1/`."""
    assert isinstance(error, HTTPException)
    path = request.url.path
    if not (
        is_confluence(request)
        or path.startswith(REST_API_PREFIX)
        or is_approval_records(request)
    ):
        return await http_exception_handler(request, error)
    return error_response(request, error.status_code, str(error.detail), error.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignoffError, handle_signoff_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(ApiProblem, handle_api_problem)
    app.add_exception_handler(HTTPException, handle_http_exception)
