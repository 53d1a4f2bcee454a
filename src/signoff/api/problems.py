"""HTTP-only refusals that no action raises: authentication, rate limits, idempotency.

They share the API's error envelope through the same handler as domain errors.
"""

from __future__ import annotations


class ApiProblem(Exception):
    """A refusal with its HTTP status and any headers it must carry."""

    def __init__(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def not_authenticated(message: str) -> ApiProblem:
    return ApiProblem(
        401, message, headers={"WWW-Authenticate": 'Bearer realm="signoff"'}
    )


def rate_limited(retry_after: int) -> ApiProblem:
    return ApiProblem(
        429,
        f"Too many requests for this token: retry after {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )
