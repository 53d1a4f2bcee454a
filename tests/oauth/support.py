"""Driving the OAuth server and the login pages through ASGI, with a clock tests set.

`Site` runs the application inside its lifespan on an event loop of its own thread,
so tests stay synchronous: each `Browser` is an httpx client with its own cookies.
The helpers walk the three legs (sign in, consent, token) the way a browser and a
client application would.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import threading
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi import FastAPI

from factories import AT, PASSWORD, by, make_user
from signoff.actions.oauth import do_register_client
from signoff.actions.sessions import do_sign_in
from signoff.api.app import create_app
from signoff.auth.passwords import hash_password
from signoff.config import Settings
from signoff.db.session import Database
from signoff.domain.states import Origin
from signoff.web.sessions import SESSION_COOKIE

T = TypeVar("T")
REDIRECT_URI = "https://client.example.com/callback"
OTHER_REDIRECT_URI = "https://client.example.com/other"
SCOPES = ("read:change-set", "write:change-set", "read:page")
USERNAME = "alice"
BASE = "http://signoff.test"


class Clock:
    """The server's clock: fixed until a test moves it."""

    def __init__(self, now: datetime = AT) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RegisteredClient:
    client_id: str
    secret: str
    redirect_uri: str = REDIRECT_URI

    @property
    def basic(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.client_id, self.secret)


class Site:
    """The app in its lifespan, on a private event loop; `browser()` opens clients."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stack = AsyncExitStack()
        self.call(self._stack.enter_async_context(app.router.lifespan_context(app)))

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(60)

    def browser(self, base_url: str = BASE, *, address: str = "127.0.0.1") -> Browser:
        """A client with its own cookies, connecting from `address`."""

        async def open_client() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=self.app, client=(address, 123))
            client = httpx.AsyncClient(transport=transport, base_url=base_url)
            return await self._stack.enter_async_context(client)

        return Browser(self, self.call(open_client()))

    def close(self) -> None:
        self.call(self._stack.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@dataclass
class Browser:
    site: Site
    client: httpx.AsyncClient

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        return self.site.call(self.client.request(method, url, **options))

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)


@dataclass
class OAuthWorld:
    site: Site
    db: Database
    clock: Clock
    client: RegisteredClient
    user_id: int
    browser: Browser = field(init=False)

    def __post_init__(self) -> None:
        self.browser = self.site.browser()


@cache
def password_hash() -> str:
    """Argon2 is slow on purpose: hash the test password once per run."""
    return hash_password(PASSWORD)


def build_world(db_url: str, tmp_path: Path, **settings: Any) -> OAuthWorld:
    """A user, a registered client, and a browser already signed in as the user.

    The session is started by the sign-in action itself, without the form (the
    login tests cover the form), to spare an Argon2 verification per test.
    `settings` are further `Settings` fields.
    """
    app = create_app(
        Settings(data_dir=tmp_path / "data", database_url=db_url, **settings)
    )
    clock = Clock()
    app.state.clock = clock
    db: Database = app.state.db
    with db.write() as session:
        user = make_user(session, USERNAME)
        user.password_hash = password_hash()
        client = register_client(session)
        signed_in = do_sign_in(session, user, **by(None, now=clock()))
        user_id = user.id
    world = OAuthWorld(Site(app), db, clock, client, user_id)
    world.browser.client.cookies.set(SESSION_COOKIE, signed_in.secret)
    return world


def register_client(
    session: Any,
    *,
    redirect_uris: tuple[str, ...] = (REDIRECT_URI, OTHER_REDIRECT_URI),
    scopes: tuple[str, ...] = SCOPES,
    name: str = "Pipeline Bot",
) -> RegisteredClient:
    client, secret = do_register_client(
        session,
        name=name,
        redirect_uris=redirect_uris,
        scopes=scopes,
        **by(None, Origin.cli),
    )
    return RegisteredClient(client.client_id, secret, redirect_uris[0])


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_path(
    client: RegisteredClient, challenge: str | None, **overrides: str | None
) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": " ".join(SCOPES),
        "state": "xyz-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return "/oauth/authorize?" + urlencode(
        {k: v for k, v in params.items() if v is not None}
    )


class FormReader(HTMLParser):
    """The `<input>` values of a page, by name (entities decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""
        if tag == "button" and values.get("value"):
            self.buttons.append(str(values["value"]))


def form_fields(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return reader.fields


def sign_in(
    browser: Browser, *, next_path: str = "", password: str = PASSWORD
) -> httpx.Response:
    page = browser.get("/login", params={"next": next_path} if next_path else None)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    return browser.post(
        "/login",
        data={
            "csrf_token": fields["csrf_token"],
            "next": fields["next"],
            "username": USERNAME,
            "password": password,
        },
    )


def consent(browser: Browser, path: str, decision: str = "allow") -> httpx.Response:
    """Ask for `path` (an authorization request) as a signed-in user and answer."""
    page = browser.get(path)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    return browser.post("/oauth/authorize", data={**fields, "decision": decision})


def redirect_params(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def obtain_code(world: OAuthWorld, **overrides: str | None) -> tuple[str, str]:
    """Sign in, consent, and return the code and the PKCE verifier that goes with it."""
    verifier, challenge = pkce_pair()
    answer = consent(
        world.browser, authorize_path(world.client, challenge, **overrides)
    )
    assert answer.status_code == 303, answer.text
    return redirect_params(answer)["code"], verifier


def redeem(
    world: OAuthWorld,
    code: str,
    verifier: str | None,
    *,
    auth: httpx.Auth | None = None,
    **extra: str,
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": world.client.redirect_uri,
        **extra,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return world.browser.post(
        "/oauth/token", data=data, auth=auth or world.client.basic
    )


def refresh(world: OAuthWorld, refresh_token: str, **extra: str) -> httpx.Response:
    return world.browser.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
        auth=world.client.basic,
    )


def tokens_for(world: OAuthWorld) -> dict[str, Any]:
    code, verifier = obtain_code(world)
    response = redeem(world, code, verifier)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
