"""What can go wrong talking to a server, each with a sentence for people."""

from __future__ import annotations


class ClientError(Exception):
    """Any failure of the client; `message` is one line for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiError(ClientError):
    """The server refused: its `error` text, with the HTTP status."""

    def __init__(
        self, status: int, error: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{error} (HTTP {status})")
        self.status = status
        self.error = error
        self.retry_after = retry_after


class Unreachable(ClientError):
    """No answer at all: a refused connection, a bad host name, a time-out."""


class BadDocument(ClientError):
    """A file of a synced folder cannot become a page (bad front matter, a clash)."""
