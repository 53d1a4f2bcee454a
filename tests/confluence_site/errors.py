"""Confluence's refusals, in the envelope of the API that gives them.

REST v2 answers `{"errors": [{status, code, title, detail}]}`; v1 answers
`{statusCode, data, message, reason}`; the gateway's auth layer answers
`{code, message}`; the site's own auth layer answers 401 in plain text.
"""

from __future__ import annotations

from http import HTTPStatus

V2_CODES = {
    400: "INVALID_REQUEST_PARAMETER",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    503: "SERVICE_UNAVAILABLE",
}

SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}
NOT_LICENSED = {
    "message": "Current user not permitted to use Confluence",
    "statusCode": 403,
}
SITE_UNAUTHORIZED_TEXT = "Client must be authenticated to access this resource."


class SiteError(Exception):
    """A refusal a handler raises; the app renders it for the API that was called."""

    def __init__(self, status: int, title: str | None = None) -> None:
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        super().__init__(f"{status} {self.title}")


class NotFound(SiteError):
    """Missing, or not visible to the caller: Confluence does not say which."""

    def __init__(self, title: str | None = None) -> None:
        super().__init__(404, title)


class BadRequest(SiteError):
    def __init__(self, title: str) -> None:
        super().__init__(400, title)


class Conflict(SiteError):
    def __init__(self, title: str) -> None:
        super().__init__(409, title)


class TooLarge(SiteError):
    def __init__(self, title: str) -> None:
        super().__init__(413, title)


def v2_error(status: int, title: str | None = None) -> dict[str, object]:
    """The v2 envelope; a 404's title is always the bare phrase, detail null."""
    if status == 404 or title is None:
        title = HTTPStatus(status).phrase
    code = V2_CODES.get(status, HTTPStatus(status).name)
    return {
        "errors": [{"status": status, "code": code, "title": title, "detail": None}]
    }


def v1_error(status: int, message: str | None = None) -> dict[str, object]:
    phrase = HTTPStatus(status).phrase
    return {
        "statusCode": status,
        "data": {
            "authorized": False,
            "valid": True,
            "allowedInReadOnlyMode": True,
            "errors": [],
            "successful": False,
        },
        "message": message or phrase,
        "reason": phrase,
    }
