"""B8: cross-site request forgery against every cookie-authenticated form.

The routes come from `app.routes`, so a form added tomorrow is forged here too. Each
state-changing UI route is sent, with a live session cookie, a form without its token,
one carrying another session's token, a valid token from `Origin: https://evil.example`
and one marked `Sec-Fetch-Site: cross-site`: all four are refused with 403 and change
nothing. Every GET page leaves the database as it was, and the APIs ignore the session
cookie: without a bearer token they answer 401.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import MetaData, Table, select

from factories import (
    by,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from oauth.support import Browser, Clock, Site, pkce_pair, register_client
from signoff.actions.approvals import do_submit_page
from signoff.actions.comments import do_post_comment
from signoff.actions.delegations import do_set_delegation
from signoff.actions.sessions import do_sign_in
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.actions.webhooks import do_create_webhook
from signoff.api.app import create_app
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.session import Database
from signoff.domain.states import Origin, Role
from signoff.outbound.url_policy import AllowList
from signoff.web.security import NOT_COOKIE_AUTHENTICATED
from signoff.web.sessions import LOGIN_CSRF_COOKIE, SESSION_COOKIE

SAFE = frozenset({"GET", "HEAD"})
API_PREFIXES = ("/api/", "/wiki/api/", "/rest/approvalmacro/")
# Endpoints no browser cookie authenticates (bearer tokens, client credentials).
EXCLUDED = {
    ("POST", "/oauth/token"),
    ("POST", "/oauth/revoke"),
}
EVIL = "https://evil.example"
METRICS_TOKEN = "metrics-token-of-the-world"  # GET /metrics is read with it
# The query string a GET needs to do its work, `{name}` filled like a path's.
QUERIES: dict[str, str] = {
    "/audit": "?space={key}",
    "/oauth/authorize": "?response_type=code&client_id={client_id}"
    "&redirect_uri={redirect_uri}&scope=read:page&state=s"
    "&code_challenge={challenge}&code_challenge_method=S256",
    "/api/v1/changeSets": "?spaceId={space_id}",
    "/api/v1/changeSets/detail": "?changeSetId={change_set_id}",
    "/api/v1/pages/status": "?pageId={page_id}",
    "/api/v1/workflows": "?spaceId={space_id}",
    "/api/v1/audit": "?spaceId={space_id}",
    "/api/v1/audit/export": "?spaceId={space_id}&format=csv",
    "/api/v1/analytics": "?spaceId={space_id}",
    "/api/v1/webhooks": "?spaceId={space_id}",
    "/api/v1/webhooks/deliveries": "?webhookId={webhook_id}",
    "/spaces/{key}/pages/{page_id}/compare": "?from=1&to=1",
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Columns a read may write by design (see `database_hash`).
BOOKKEEPING = {("web_sessions", "last_seen_at"), ("personal_tokens", "last_used_at")}


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # the route's path, `{name}` for each parameter
    path: str  # with real ids filled in

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


@dataclass
class World:
    app: FastAPI
    db: Database
    site: Site
    ids: dict[str, str]
    bearer: str = ""  # the admin's API token, with every scope
    browsers: dict[str, Browser] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def every_route(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) for every route the application answers, mounted ones
    flattened (FastAPI includes routers lazily)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in sorted(context.methods or ()):
                yield method, context.path or ""


def fill(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)


def ui_endpoints(app: FastAPI, ids: dict[str, str], *, safe: bool) -> list[Endpoint]:
    return [
        Endpoint(method, path, fill(path, ids))
        for method, path in every_route(app)
        if (method in SAFE) == safe
        and not path.startswith(API_PREFIXES)
        and (method, path) not in EXCLUDED
    ]


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("csrf")
    shutil.copyfile(sqlite_template, root / "signoff.db")
    app = create_app(
        Settings(
            data_dir=root / "data",
            database_url=f"sqlite:///{root}/signoff.db",
            metrics_token=METRICS_TOKEN,
        )
    )
    clock = Clock()
    app.state.clock = clock
    db: Database = app.state.db
    secrets: dict[str, str] = {}
    with db.write() as session:
        admin = make_user(session, "admin", site_admin=True)
        other = make_user(session, "other")
        space = make_space(session, admin=admin, members={other: Role.editor})
        page = make_page(session, space, admin)
        workflow = make_workflow(session, space, admin, [step(other)])
        change_set = make_change_set(session, space, admin, [page])
        do_submit_page(session, page, **by(admin))  # the page gets its property
        comment = do_post_comment(
            session, page, body="A note", parent_id=None, **by(admin)
        )
        hook = do_create_webhook(
            session,
            space,
            url="http://192.0.2.1/hook",
            events=["approval.submitted"],
            allow=AllowList.parse("192.0.2.1"),
            **by(admin),
        )
        client = register_client(session)
        token, _ = do_create_token(session, admin, scopes=["read:page"], **by(None))
        _, bearer = do_create_token(
            session, admin, scopes=sorted(ALL_SCOPES), **by(None)
        )
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        delegation = do_set_delegation(
            session,
            admin,
            other,
            starts_at=clock() + timedelta(days=1),
            ends_at=clock() + timedelta(days=8),
            **by(admin),
        )
        for person in (admin, other):
            secrets[person.username] = do_sign_in(
                session, person, **by(None, now=clock())
            ).secret
        ids = {
            "key": space.key,
            "page_id": str(page.id),
            "workflow_id": str(workflow.id),
            "change_set_id": str(change_set.id),
            "token_id": str(token.id),
            "webhook_id": str(hook.id),
            "verb": "submit",
            "space_id": str(space.id),
            "comment_id": str(comment.id),
            "delegation_id": str(delegation.id),
            "property_id": str(page.id),  # the approval property's id is the page's
            "client_id": client.client_id,
            "redirect_uri": quote(client.redirect_uri, safe=""),
            "challenge": pkce_pair()[1],
            "number": "1",
            "name": "swagger-ui.css",  # an asset of the API explorer
        }
    site = Site(app)
    built = World(app, db, site, ids, bearer)
    for name, secret in secrets.items():
        browser = site.browser()
        browser.client.cookies.set(SESSION_COOKIE, secret)
        built.browsers[name] = browser
        built.tokens[name] = csrf_of(browser.get("/account").text)
    built.browsers["anonymous"] = site.browser()
    yield built
    site.close()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def database_hash(db: Database) -> str:
    """SHA-256 of every row of every table, in a stable order.

    Two timestamps kept for people, not state, are left out (`BOOKKEEPING`): a
    session's `last_seen_at`, which reading a page with a session idle for a while
    slides (its expiry), and a personal token's `last_used_at`, which an API call
    notes for the account page. Neither changes what anyone may do or see of the
    product's objects, and no `<img>` can reach the second (it needs the token).
    """
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for table in tables(db):
            columns = [
                c for c in table.columns if (table.name, c.name) not in BOOKKEEPING
            ]
            rows = connection.execute(select(*columns).order_by(*columns)).all()
            digest.update(f"{table.name}:{rows!r}\n".encode())
    return digest.hexdigest()


_TABLES: dict[int, list[Table]] = {}


def tables(db: Database) -> list[Table]:
    """Every table of the migrated schema, read from the database itself once."""
    if id(db) not in _TABLES:
        metadata = MetaData()
        metadata.reflect(db.engine)
        _TABLES[id(db)] = sorted(metadata.tables.values(), key=lambda t: t.name)
    return _TABLES[id(db)]


def login_token(world: World) -> tuple[Browser, str]:
    """A fresh browser holding the login form's double-submit cookie, and its token."""
    browser = world.site.browser()
    return browser, csrf_of(browser.get("/login").text)


def forged_posts(world: World, endpoint: Endpoint) -> dict[str, httpx.Response]:
    """The four forgeries of one form, each from the admin's signed-in browser."""
    if endpoint.template == "/login":
        browser, own = login_token(world)
        _, foreign = login_token(world)
    else:
        browser = world.browsers["admin"]
        own, foreign = world.tokens["admin"], world.tokens["other"]
    form = {"username": "admin", "password": "x", "title": "Forged", "body": "x"}

    def post(token: str | None, **headers: str) -> httpx.Response:
        data = form if token is None else {**form, "csrf_token": token}
        return browser.post(endpoint.path, data=data, headers=headers)

    return {
        "no token": post(None),
        "another session's token": post(foreign),
        "evil Origin": post(own, Origin=EVIL),
        "null Origin": post(own, Origin="null"),
        "cross-site fetch": post(own, **{"Sec-Fetch-Site": "cross-site"}),
    }


def test_the_routes_left_out_are_exactly_those_no_cookie_authenticates(
    world: World,
) -> None:
    routes = set(every_route(world.app))
    left_out = {
        (method, path)
        for method, path in routes
        if method not in SAFE
        and (path.startswith(API_PREFIXES) or (method, path) in EXCLUDED)
    }
    assert {r for r in left_out if not r[1].startswith(API_PREFIXES)} == EXCLUDED
    assert all(path.startswith(NOT_COOKIE_AUTHENTICATED) for _, path in left_out)
    assert routes >= EXCLUDED  # an exclusion for a route that is gone fails here
    assert len(ui_endpoints(world.app, world.ids, safe=False)) >= 30


def test_every_form_refuses_each_forgery_and_changes_nothing(world: World) -> None:
    endpoints = ui_endpoints(world.app, world.ids, safe=False)
    before = database_hash(world.db)
    refused: dict[str, dict[str, int]] = {}
    for endpoint in endpoints:
        answers = forged_posts(world, endpoint)
        refused[str(endpoint)] = {k: r.status_code for k, r in answers.items()}
    assert "POST /audit/export" in refused  # the audit trail's Export buttons
    wrong = {
        route: codes for route, codes in refused.items() if set(codes.values()) != {403}
    }
    assert wrong == {}
    assert database_hash(world.db) == before


def test_a_same_site_form_with_its_token_still_goes_through(world: World) -> None:
    """The origin checks refuse only what is cross-site: this site's own origin, the
    public URL's, and browsers that send no Origin at all pass to the form; so does
    a cross-site post without cookies, which the login gate then turns away."""
    browser = world.browsers["admin"]
    token = world.tokens["admin"]
    for headers in (
        {"Origin": "http://signoff.test", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://127.0.0.1:8000"},  # the configured public URL
        {},
    ):
        answer = browser.post(
            "/inbox/read", data={"csrf_token": token}, headers=headers
        )
        assert answer.status_code == 303, headers
    # Without cookies a cross-site post acts for no one: it is sent to sign in.
    visitor = world.browsers["anonymous"].post(
        "/inbox/read", data={"csrf_token": token}, headers={"Origin": EVIL}
    )
    assert visitor.status_code == 303
    assert visitor.headers["location"].startswith("/login")
    login, own = login_token(world)
    signed = login.post(
        "/login",
        data={"csrf_token": own, "username": "admin", "password": "wrong"},
        headers={"Origin": "http://signoff.test"},
    )
    assert signed.status_code == 200 and "Incorrect username" in signed.text
    assert login.client.cookies.get(LOGIN_CSRF_COOKIE)


def get_endpoints(app: FastAPI, ids: dict[str, str]) -> list[Endpoint]:
    """Every GET route of the app, the APIs' included, with the query it needs."""
    return [
        Endpoint(method, path, fill(path, ids) + fill(QUERIES.get(path, ""), ids))
        for method, path in every_route(app)
        if method == "GET"
    ]


def test_every_get_leaves_the_database_unchanged(world: World) -> None:
    """No GET changes state, whoever sends it: a GET is what a link, a prefetch or
    an `<img>` in a page body makes a signed-in person's browser send.

    Every GET route of the route table is read by the space's admin (with the
    session cookie, or for the APIs a token holding every scope) and by a visitor,
    with the query that makes it do its work. A route the admin's request does not
    reach (an answer of 400 or more: it needs a query `QUERIES` does not give it)
    fails here by name, so a new GET cannot escape the check.
    """
    endpoints = get_endpoints(world.app, world.ids)
    assert len(endpoints) >= 55
    assert set(QUERIES) <= {e.template for e in endpoints}  # no stale entries
    changed: list[str] = []
    not_reached: dict[str, int] = {}
    server_errors: list[str] = []
    before = database_hash(world.db)
    for endpoint in endpoints:
        api = endpoint.template.startswith(API_PREFIXES)
        admin = world.browsers["anonymous" if api else "admin"]
        headers = {"Authorization": f"Bearer {world.bearer}"} if api else {}
        if endpoint.template == "/metrics":  # operators' own bearer token
            headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        answer = admin.get(endpoint.path, headers=headers)
        if answer.status_code >= 400:
            not_reached[str(endpoint)] = answer.status_code
        visitor = world.browsers["anonymous"].get(endpoint.path)
        for who, seen in (("admin", answer), ("anonymous", visitor)):
            if seen.status_code >= 500:
                server_errors.append(f"{who} {endpoint}")
        after = database_hash(world.db)
        if after != before:
            changed.append(str(endpoint))
        before = after
    assert server_errors == []
    assert not_reached == {}
    assert changed == []


def test_the_apis_ignore_the_session_cookie(world: World) -> None:
    browser = world.browsers["admin"]
    answers: dict[str, int] = {}
    for method, path in every_route(world.app):
        if path.startswith(API_PREFIXES):
            options: dict[str, Any] = {}
            if method not in SAFE:
                options["json"] = {}
            answer = browser.request(method, fill(path, world.ids), **options)
            answers[f"{method} {path}"] = answer.status_code
    assert len(answers) >= 50
    assert {route: code for route, code in answers.items() if code != 401} == {}
