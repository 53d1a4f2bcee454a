"""A site's failures in one shape: its own words from whichever envelope it used."""

from __future__ import annotations

import json

import pytest

from signoff.connectors.confluence.errors import ConfluenceError, site_words

STALE_VERSION = "Version must be incremented on update. Current version is: 5"
NOT_LICENSED = "Current user not permitted to use Confluence"


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (
            404,
            {
                "errors": [
                    {
                        "status": 404,
                        "code": "NOT_FOUND",
                        "title": "Not Found",
                        "detail": None,
                    }
                ]
            },
            "Not Found",
        ),
        (
            409,
            {
                "statusCode": 409,
                "data": {
                    "authorized": False,
                    "valid": True,
                    "errors": [],
                    "successful": False,
                },
                "message": STALE_VERSION,
            },
            STALE_VERSION,
        ),
        (
            401,
            {"code": 401, "message": "Unauthorized; scope does not match"},
            "Unauthorized; scope does not match",
        ),
        (
            403,
            {
                "message": "Current user not permitted to use Confluence",
                "statusCode": 403,
            },
            NOT_LICENSED,
        ),
    ],
)
def test_each_envelope_gives_the_sites_words(
    status: int, body: dict[str, object], words: str
) -> None:
    raw = json.dumps(body).encode()
    assert site_words(status, raw, "application/json") == words


def test_a_plain_text_401_keeps_the_sites_own_words() -> None:
    words = site_words(
        401, b"Client must be authenticated to access this resource.", "text/plain"
    )
    assert words.startswith("Client must be authenticated to access this resource.")
    assert "credentials were refused" in words


def test_an_html_401_says_the_credentials_were_refused() -> None:
    words = site_words(401, b"<html><body>Unauthorized</body></html>", "text/html")
    assert "credentials were refused" in words


def test_retryable_and_auth_failures_are_told_apart() -> None:
    assert ConfluenceError(429, "slow down").retryable
    assert ConfluenceError(0, "no answer").retryable
    assert not ConfluenceError(404, "gone").retryable
    assert (
        ConfluenceError(401, "who").is_auth and not ConfluenceError(401, "x").retryable
    )
    assert str(ConfluenceError(409, "taken", "POST", "/api/v2/x")) == (
        "POST /api/v2/x: 409 taken"
    )
