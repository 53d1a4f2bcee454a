"""A2: deny by default. Every route the application answers has a declared policy.

A route is covered when one of these holds:
- API (`/api/v1`, `/wiki/api/v2`): its dependency tree holds the call dependency that
  declares a scope (`api_call(scope)` / `wiki_call(scope)` mark themselves with
  `SCOPE_ATTRIBUTE`), and that dependency authenticates the bearer token first;
- UI: its handler (or a helper of its own module it calls) passes through a session
  gate of `web/require_session.py` (`signed_in`, `signed_in_form`), or checks a
  posted form against the session's CSRF token (`session_csrf_ok`);
- it is on `PUBLIC`, the explicit list below, each entry saying why.

A route with none of these fails the gate by name, so a new route cannot ship
unguarded by forgetting a line.
"""

from __future__ import annotations

import shutil
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount

from factories import by
from oauth.support import Site
from signoff.actions.site import do_set_api_enabled
from signoff.api.app import create_app
from signoff.api.v1.calls import SCOPE_ATTRIBUTE, api_call
from signoff.auth.scopes import Scope
from signoff.config import Settings
from signoff.domain.states import Origin
from signoff.web import require_session, sessions

API_PREFIXES = ("/api/v1/", "/wiki/api/v2/", "/rest/approvalmacro/1.0/")
SESSION_GATES = (
    require_session.signed_in,
    require_session.signed_in_form,
    sessions.session_csrf_ok,
)
# Routes anyone may call, each for a stated reason. (method, path); "*" for a mount.
PUBLIC = {
    ("GET", "/healthz"),  # liveness for load balancers; says nothing private
    ("GET", "/livez"),  # the process answers; touches nothing
    # Operators' figures: its own bearer token (SIGNOFF_METRICS_TOKEN), else 404.
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),  # the API's published contract
    ("HEAD", "/openapi.json"),
    ("GET", "/docs"),  # the API explorer, read from /openapi.json
    ("GET", "/docs/assets/{name}"),  # the explorer's script and stylesheet
    ("*", "/static"),  # stylesheets, scripts and images of the UI
    ("GET", "/.well-known/oauth-authorization-server"),  # RFC 8414 metadata
    # Checks the client's request, then sends a visitor without a session to the
    # login; the consent itself is posted to the session-checked POST.
    ("GET", "/oauth/authorize"),
    ("POST", "/oauth/token"),  # authenticates the OAuth client, not a person
    ("POST", "/oauth/revoke"),  # RFC 7009: client authentication
    ("GET", "/login"),  # signing in needs no session
    ("POST", "/login"),  # checks its own double-submit CSRF token
    ("GET", "/"),  # a redirect to /spaces, which is gated
}


@dataclass(frozen=True)
class RouteEntry:
    method: str
    path: str
    route: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def every_route(app: FastAPI) -> Iterator[RouteEntry]:
    """Every route, mounted and included ones flattened to the path they answer."""
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        if isinstance(route, Mount):
            yield RouteEntry("*", path.rstrip("/"), route)
            continue
        for method in sorted(context.methods or {"*"}):
            yield RouteEntry(method, path, route)


def dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every callable in a route's dependency tree, depth first."""
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from dependency_calls(dependency)


def declared_scope(route: APIRoute) -> Scope | None:
    for call in dependency_calls(route.dependant):
        scope = getattr(call, SCOPE_ATTRIBUTE, None)
        if isinstance(scope, Scope):
            return scope
    return None


def calls_session_gate(function: Any, seen: set[int] | None = None) -> bool:
    """Whether `function`, or a helper of the UI it names, reaches a session gate.

    Names are resolved in the function's own globals, so only the real gates count.
    """
    seen = set() if seen is None else seen
    code = getattr(function, "__code__", None)
    if code is None or id(code) in seen:
        return False
    seen.add(id(code))
    namespace = getattr(function, "__globals__", {})
    names = set(names_used(code))
    # `module.gate` reads `module` from the globals and `gate` as an attribute.
    modules = [v for n in names if isinstance(v := namespace.get(n), types.ModuleType)]
    for name in names:
        targets = [namespace.get(name), *(getattr(m, name, None) for m in modules)]
        for target in targets:
            if any(target is gate for gate in SESSION_GATES):
                return True
            module = getattr(target, "__module__", "") or ""
            if (
                isinstance(target, types.FunctionType)
                and module.startswith("signoff.web")
                and calls_session_gate(target, seen)
            ):
                return True
    return False


def names_used(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):  # nested functions
            yield from names_used(constant)


def policy(entry: RouteEntry) -> str | None:
    """The route's policy, or None when it has none."""
    if (entry.method, entry.path) in PUBLIC:
        return "public"
    route = entry.route
    if entry.path.startswith(API_PREFIXES):
        if isinstance(route, APIRoute) and declared_scope(route) is not None:
            return "scope"
        return None
    if isinstance(route, APIRoute) and calls_session_gate(route.endpoint):
        return "session"
    return None


def uncovered(app: FastAPI) -> list[str]:
    return [str(entry) for entry in every_route(app) if policy(entry) is None]


@pytest.fixture(scope="module")
def app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    root = tmp_path_factory.mktemp("policy")
    shutil.copyfile(sqlite_template, root / "signoff.db")
    built = create_app(
        Settings(data_dir=root / "data", database_url=f"sqlite:///{root}/signoff.db")
    )
    with built.state.db.write() as session:
        do_set_api_enabled(session, True, **by(None, Origin.cli))
    return built


def test_every_route_has_a_policy(app: FastAPI) -> None:
    entries = list(every_route(app))
    policies = {str(entry): policy(entry) for entry in entries}
    assert uncovered(app) == []
    assert sum(p == "scope" for p in policies.values()) >= 50
    assert sum(p == "session" for p in policies.values()) >= 50
    # Every public entry still names a route: a stale entry would hide a new one.
    assert {(entry.method, entry.path) for entry in entries} >= PUBLIC


def test_gated_routes_turn_away_a_visitor_without_credentials(app: FastAPI) -> None:
    """The declared policy is the real one: anonymous calls never reach the work."""
    site = Site(app)
    try:
        browser = site.browser()
        answers = {}
        for entry in every_route(app):
            kind = policy(entry)
            if kind not in ("scope", "session"):
                continue
            path = entry.path.format_map(_AnyId())
            answer = browser.request(
                entry.method, path, json={} if entry.method != "GET" else None
            )
            location = answer.headers.get("location", "")
            ok = (
                answer.status_code == 401
                if kind == "scope"
                else (answer.status_code == 303 and location.startswith("/login"))
                or (entry.method != "GET" and answer.status_code in (403, 415))
            )
            answers[str(entry)] = (answer.status_code, ok)
    finally:
        site.close()
    assert {route: code for route, (code, ok) in answers.items() if not ok} == {}


class _AnyId(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "DOCS" if key == "key" else ("submit" if key == "verb" else "1")


def test_the_gate_fails_for_a_route_added_without_a_policy(
    sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "signoff.db")
    throwaway = create_app(
        Settings(
            data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/signoff.db"
        )
    )
    assert uncovered(throwaway) == []

    async def unguarded_page(request: Request) -> Response:
        return PlainTextResponse("anyone")

    async def guarded_page(request: Request) -> Response:
        current = await require_session.signed_in(request)
        return current if isinstance(current, Response) else PlainTextResponse("ok")

    def unscoped_api() -> dict[str, str]:
        return {"anyone": "yes"}

    async def scoped_api(
        call: Annotated[Any, Depends(api_call(Scope.read_page))],
    ) -> str:
        return "ok"

    throwaway.add_api_route("/reports", unguarded_page, methods=["GET"])
    throwaway.add_api_route("/reports/mine", guarded_page, methods=["GET"])
    throwaway.add_api_route("/api/v1/secrets", unscoped_api, methods=["GET"])
    throwaway.add_api_route("/api/v1/reports", scoped_api, methods=["GET"])
    throwaway.mount("/files", PlainTextResponse("files"))
    assert uncovered(throwaway) == [
        "GET /reports",
        "GET /api/v1/secrets",
        "* /files",
    ]
