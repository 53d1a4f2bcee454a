"""The whole grant in a real browser: Chromium signs in, consents, and is redirected.

Signoff runs under uvicorn on a loopback port; the client application is a tiny HTTP
server on another, registered as the redirect URI. Playwright drives the Debian
`chromium` (never a downloaded browser); the test then redeems the code it captured.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn

from browser import launch_chromium
from factories import PASSWORD, by, make_user
from signoff.actions.oauth import do_register_client
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.session import Database
from signoff.domain.states import Origin

from .support import SCOPES, USERNAME, password_hash, pkce_pair

pytestmark = pytest.mark.slow


class Callback(BaseHTTPRequestHandler):
    """The client application's redirect endpoint: remembers what arrived."""

    received: list[str]

    def do_GET(self) -> None:
        self.received.append(self.path)
        body = b"<!doctype html><title>Client</title><p>Signed in.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def client_application() -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    handler = type("Handler", (Callback,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def serving(db_url: str, data_dir: Path) -> Iterator[tuple[str, Database]]:
    """Signoff under uvicorn on a socket bound before the app learns its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    app = create_app(
        Settings(data_dir=data_dir, database_url=db_url, base_url=base_url)
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]})
    thread.start()
    try:
        for _ in range(300):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.05)
        assert server.started, "uvicorn did not start"
        yield base_url, app.state.db
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    return f"sqlite:///{tmp_path / 'signoff.db'}"


def test_a_person_grants_access_in_chromium_and_the_code_redeems(
    sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with (
        client_application() as (redirect_uri, received),
        serving(sqlite_url, tmp_path / "data") as (base_url, db),
    ):
        with db.write() as session:
            user = make_user(session, USERNAME)
            user.password_hash = password_hash()
            client, secret = do_register_client(
                session,
                name="Release Pipeline",
                redirect_uris=[redirect_uri],
                scopes=SCOPES,
                **by(None, Origin.cli),
            )
            client_id = client.client_id
        verifier, challenge = pkce_pair()
        authorize = f"{base_url}/oauth/authorize?" + urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": "browser-state",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        problems: list[str] = []

        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page()
                page.on(
                    "console",
                    lambda message: (
                        problems.append(message.text)
                        if message.type == "error"
                        else None
                    ),
                )
                page.goto(authorize)
                expect(page).to_have_url(
                    f"{base_url}/login?"
                    + urlencode({"next": authorize.removeprefix(base_url)})
                )
                page.get_by_label("username").fill(USERNAME)
                page.get_by_label("password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()

                expect(page.get_by_role("heading")).to_have_text(
                    "Authorize Release Pipeline"
                )
                for scope in SCOPES:
                    expect(page.get_by_text(scope, exact=True)).to_be_visible()
                page.get_by_role("button", name="Allow").click()
                page.wait_for_url(redirect_uri + "?*")
            finally:
                browser.close()

        assert problems == []  # no CSP violation, no missing asset
        callbacks = [path for path in received if path.startswith("/callback?")]
        assert len(callbacks) == 1
        params = {k: v[0] for k, v in parse_qs(urlsplit(callbacks[0]).query).items()}
        assert params["state"] == "browser-state"
        with httpx.Client(base_url=base_url, timeout=10) as http:
            response = http.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": params["code"],
                    "code_verifier": verifier,
                    "redirect_uri": redirect_uri,
                },
                auth=(client_id, secret),
            )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["access_token"].startswith("sgoa_")
    assert tokens["refresh_token"].startswith("sgor_")
    assert tokens["scope"] == " ".join(SCOPES)
