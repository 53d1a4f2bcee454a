"""Which address a sign-in comes from, as `signoff serve` learns it over real HTTP.

The login throttle counts failures per address. The address is the TCP peer's, unless
that peer is a proxy named in `SIGNOFF_TRUSTED_PROXIES`: only then is its
`X-Forwarded-For` believed. These tests run the real server process and speak HTTP
to it from loopback, as a client on the same host (or behind a proxy that passes the
header through) would.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from factories import PASSWORD
from oauth.support import form_fields
from signoff.config import Settings

from .support import signoff
from .test_server_process import running

pytestmark = pytest.mark.slow

USERNAME = "alice"
GUESSES = 10  # the throttle's limit for one username from one address


@pytest.fixture
def data_dir(db_url: str, tmp_path: Path) -> Path:
    """The server's data dir, with a user `alice` in the test's database."""
    data = tmp_path / "data"
    result = signoff(db_url, data, "user", "add", USERNAME, "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    return data


def attempt(
    browser: httpx.Client, password: str, *, forwarded_for: str
) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for}
    page = browser.get("/login", headers=headers)
    assert page.status_code == 200, page.text
    return browser.post(
        "/login",
        headers=headers,
        data={
            "csrf_token": form_fields(page.text)["csrf_token"],
            "username": USERNAME,
            "password": password,
        },
    )


def test_a_spoofed_forwarded_for_does_not_reset_the_login_throttle(
    db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    with (
        running(tmp_path, "serve", "--database-url", db_url) as server,
        httpx.Client(base_url=server.url, timeout=30) as browser,
    ):
        guesses = [
            attempt(browser, "wrong guess", forwarded_for=f"203.0.113.{n}")
            for n in range(GUESSES)
        ]
        right = attempt(browser, PASSWORD, forwarded_for="198.51.100.99")

    assert [guess.status_code for guess in guesses] == [200] * GUESSES
    assert right.status_code == 429
    assert "signoff_session" not in right.headers.get("set-cookie", "")


def test_a_trusted_proxys_forwarded_for_names_the_client(
    db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    trusted = {"SIGNOFF_TRUSTED_PROXIES": "127.0.0.0/8, ::1"}
    with (
        running(tmp_path, "serve", "--database-url", db_url, env=trusted) as server,
        httpx.Client(base_url=server.url, timeout=30) as browser,
    ):
        for _ in range(GUESSES):
            attempt(browser, "wrong guess", forwarded_for="203.0.113.5")
        blocked = attempt(browser, PASSWORD, forwarded_for="203.0.113.5")
        other_client = attempt(browser, PASSWORD, forwarded_for="203.0.113.6")

    assert blocked.status_code == 429
    assert other_client.status_code == 303


@pytest.mark.parametrize(
    "value", ["proxy.internal", "*", "10.0.0.0/33", "127.0.0.1;10.0.0.1"]
)
def test_trusted_proxies_that_are_not_addresses_stop_the_server_from_starting(
    sqlite_url: str, tmp_path: Path, value: str
) -> None:
    result = signoff(
        sqlite_url, tmp_path, "serve", env={"SIGNOFF_TRUSTED_PROXIES": value}
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("error: setting trusted_proxies:")
    assert "is not an IP address or network" in result.stderr


def test_trusted_proxies_are_read_as_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNOFF_TRUSTED_PROXIES", raising=False)
    settings = Settings(trusted_proxies=" 10.1.2.3/8, ::1 ,192.0.2.7,")

    assert settings.trusted_proxy_list == ["10.0.0.0/8", "::1/128", "192.0.2.7/32"]
    assert Settings().trusted_proxy_list == []
