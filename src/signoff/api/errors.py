"""Errors to HTTP, once for the whole application.

Every `SignoffError` becomes `{"success": false, "error": <its sentence>}` with the
status its kind calls for; request validation failures become a 400 that names the
field. Routes never build error responses themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from signoff.api.problems import ApiProblem
from signoff.domain.errors import (
    BadInput,
    InvalidState,
    NotAllowed,
    NotFound,
    SignoffError,
)

# Checked in order, so a subclass (VersionConflict is an InvalidState) needs no entry.
STATUS_BY_ERROR: tuple[tuple[type[SignoffError], int], ...] = (
    (BadInput, 400),
    (NotAllowed, 403),
    (NotFound, 404),
    (InvalidState, 409),
)
REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie"})


def status_for(error: SignoffError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def error_body(message: str) -> dict[str, Any]:
    return {"success": False, "error": message}


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


async def handle_signoff_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SignoffError)
    return JSONResponse(error_body(error.message), status_code=status_for(error))


async def handle_api_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return JSONResponse(
        error_body(error.message), status_code=error.status, headers=error.headers
    )


async def handle_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(error_body(validation_message(error)), status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignoffError, handle_signoff_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(ApiProblem, handle_api_problem)
