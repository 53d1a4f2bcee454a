"""Redirect URI matching: exact, except a loopback IP literal's port (RFC 8252)."""

from __future__ import annotations

import pytest

from signoff.auth.redirect_uris import redirect_uri_matches

REGISTERED = [
    "https://app.example.com/cb",
    "http://127.0.0.1:8765/cb",
    "http://[::1]/cb",
]


@pytest.mark.parametrize(
    "requested",
    [
        "https://app.example.com/cb",
        "http://127.0.0.1:8765/cb",
        "http://127.0.0.1:1/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:5000/cb",
    ],
)
def test_these_match(requested: str) -> None:
    assert redirect_uri_matches(REGISTERED, requested)


@pytest.mark.parametrize(
    "requested",
    [
        "https://app.example.com/cb/",
        "https://app.example.com:443/cb",
        "https://App.example.com/cb",
        "http://127.0.0.1:8765/cb/",
        "http://127.0.0.1:8765/cb?x=1",
        "http://127.0.0.1:8765/cb#x",
        "https://127.0.0.1:8765/cb",
        "HTTP://127.0.0.1:8765/cb",
        "http://127.0.0.2:8765/cb",
        "http://localhost:8765/cb",
        "http://127.0.0.1:8765@evil.example/cb",
        "http://evil.example@127.0.0.1:8765/cb",
        "http://127.0.0.1:8765.evil.example/cb",
        "http://127.0.0.1:x/cb",
        "http://[::1]:5000/cb2",
        "",
    ],
)
def test_these_do_not(requested: str) -> None:
    assert not redirect_uri_matches(REGISTERED, requested)
