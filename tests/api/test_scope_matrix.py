"""Every `/api/v1` route against every scope: its own opens it, no other does.

Routes are read from the application itself, so a new route without a scope, or one
that forgets to check it, fails here without anyone adding a line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from confluence.app_site import connect_app
from confluence_site import run_site
from signoff.api.v1.calls import SCOPE_ATTRIBUTE
from signoff.api.v1.router import PREFIX
from signoff.auth.scopes import ALL_SCOPES, Scope

from .helpers import account, review_by
from .support import AppClient, Team


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    scope: Scope

    def call(
        self, api: AppClient, token: str, payload: dict[str, Any]
    ) -> httpx.Response:
        if self.method == "GET":
            return api.get(self.path, token=token, params=payload)
        return api.post(self.path, token=token, json=payload)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def declared_scopes(route: APIRoute) -> list[Scope]:
    found = (
        getattr(dependency.call, SCOPE_ATTRIBUTE, None)
        for dependency in route.dependant.dependencies
    )
    return [scope for scope in found if scope is not None]


def routes_under(app: FastAPI, prefix: str) -> Iterator[tuple[str, set[str], APIRoute]]:
    """Every API route of `app.routes` under `prefix`: path, methods and route.

    FastAPI 0.130 and later include routers lazily; `iter_route_contexts` flattens
    them into the paths they answer at.
    """
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:
        contexts: Iterable[Any] = app.routes
        found = ((r.path, r.methods, r) for r in contexts if isinstance(r, APIRoute))
    else:
        found = (
            (c.path, c.methods, c.original_route)
            for c in flatten(app.routes)
            if isinstance(c.original_route, APIRoute)
        )
    for path, methods, route in found:
        if path.startswith(prefix + "/"):
            yield path, set(methods), route


def api_routes(app: FastAPI) -> list[Route]:
    return [
        Route(method, path, declared_scopes(route)[0])
        for path, methods, route in routes_under(app, PREFIX)
        for method in sorted(methods)
    ]


def test_every_api_route_declares_exactly_one_scope(api: AppClient) -> None:
    routes = list(routes_under(api.app, PREFIX))
    missing = [path for path, _, route in routes if len(declared_scopes(route)) != 1]
    assert missing == []
    assert len(routes) >= 26  # the contract's 25 and members/remove


@pytest.fixture
def scoped(team: Team) -> Callable[..., str]:
    """alice's tokens (site admin: every right), minted once per set of scopes."""
    minted: dict[frozenset[str], str] = {}

    def token(*scopes: str) -> str:
        key = frozenset(scopes)
        if key not in minted:
            minted[key] = team.token_for("alice", *sorted(key))
        return minted[key]

    return token


def test_no_other_scope_opens_a_route(
    api: AppClient, team: Team, scoped: Callable[..., str]
) -> None:
    wrong: list[str] = []
    for route in api_routes(api.app):
        others = sorted(ALL_SCOPES - {route.scope.value})
        tokens = {"every other scope": scoped(*others)}
        tokens.update({f"only {scope}": scoped(scope) for scope in others})
        for held, token in tokens.items():
            response = route.call(api, token, {})
            expected = (
                f"This call needs the {route.scope.value} scope, which the token "
                "does not have."
            )
            if response.status_code != 403 or response.json()["error"] != expected:
                wrong.append(f"{route} with {held}: {response.status_code}")
    assert wrong == []


Payload = Callable[[dict[str, Any]], dict[str, Any]]


def _requests(team: Team) -> list[tuple[str, Payload, Callable[..., None] | None]]:
    """A cheap valid request for every route, in an order where each one can succeed.

    The third item keeps what later requests need from the response.
    """
    space = {"spaceId": team.space_id}
    pages = team.pages

    def keep(name: str, key: str, field: str = "id") -> Callable[..., None]:
        def store(state: dict[str, Any], body: dict[str, Any]) -> None:
            state[name] = body[key][field]

        return store

    return [
        ("GET /api/v1/spaces", lambda _: {}, None),
        ("POST /api/v1/spaces", lambda _: {"key": "NEW", "name": "New"}, None),
        (
            "POST /api/v1/spaces/members",
            lambda _: {**space, "accountId": account(team, "dave"), "role": "editor"},
            None,
        ),
        (
            "POST /api/v1/spaces/members/remove",
            lambda _: {**space, "accountId": account(team, "dave")},
            None,
        ),
        ("GET /api/v1/groups", lambda _: {}, None),
        ("POST /api/v1/groups", lambda _: {"name": "team"}, None),
        (
            "POST /api/v1/groups/rename",
            lambda _: {"name": "team", "newName": "crew"},
            None,
        ),
        (
            "POST /api/v1/groups/members/add",
            lambda _: {"name": "crew", "accountId": account(team, "dave")},
            None,
        ),
        (
            "POST /api/v1/groups/members/remove",
            lambda _: {"name": "crew", "accountId": account(team, "dave")},
            None,
        ),
        (
            "POST /api/v1/groups/follow",
            lambda _: {"name": "crew", "site": "acme", "confluenceGroup": "legal"},
            None,
        ),
        ("POST /api/v1/groups/unfollow", lambda _: {"name": "crew"}, None),
        ("POST /api/v1/groups/delete", lambda _: {"name": "crew"}, None),
        ("GET /api/v1/workflows", lambda _: space, None),
        (
            "POST /api/v1/workflows",
            lambda _: {
                **space,
                "name": "Extra",
                "steps": [
                    {"name": "S", "approvers": [account(team, "carol")], "rule": "all"}
                ],
            },
            keep("workflowId", "workflow"),
        ),
        (
            "POST /api/v1/workflows/update",
            lambda s: {"workflowId": s["workflowId"], "name": "Extra 2"},
            None,
        ),
        (
            "POST /api/v1/workflows/assign",
            lambda s: {"workflowId": s["workflowId"], "pageIds": [pages[6]]},
            None,
        ),
        (
            "POST /api/v1/workflows/deactivate",
            lambda s: {"workflowId": s["workflowId"]},
            None,
        ),
        ("POST /api/v1/pages/preflight", lambda _: {"pageId": pages[0]}, None),
        ("POST /api/v1/pages/submit", lambda _: {"pageId": pages[0]}, None),
        ("GET /api/v1/pages/status", lambda _: {"pageId": pages[0]}, None),
        (
            "POST /api/v1/pages/approve",
            lambda _: {"pageId": pages[0], "version": 1},
            None,
        ),
        ("POST /api/v1/pages/submit", lambda _: {"pageId": pages[1]}, None),
        ("POST /api/v1/pages/claim", lambda _: {"pageId": pages[1]}, None),
        ("POST /api/v1/pages/release-claim", lambda _: {"pageId": pages[1]}, None),
        (
            "POST /api/v1/pages/reject",
            lambda _: {"pageId": pages[1], "version": 1, "comment": "No"},
            None,
        ),
        ("POST /api/v1/pages/submit", lambda _: {"pageId": pages[2]}, None),
        ("POST /api/v1/pages/cancel", lambda _: {"pageId": pages[2]}, None),
        ("POST /api/v1/pages/submit", lambda _: {"pageId": pages[4]}, None),
        (
            "POST /api/v1/pages/override",
            lambda _: {
                "pageId": pages[4],
                "decision": "approve",
                "reason": "Urgent fix",
                "version": 1,
            },
            None,
        ),
        (
            "POST /api/v1/spaces/settings",
            lambda _: {**space, "adhocApprovals": "any"},
            None,
        ),
        (
            "POST /api/v1/pages/request-approval",
            lambda _: {"pageId": pages[5], "members": [account(team, "carol")]},
            None,
        ),
        (
            "POST /api/v1/changeSets",
            lambda _: {**space, "title": "Set", "pageRefs": [{"pageId": pages[3]}]},
            keep("changeSetId", "changeSet"),
        ),
        ("GET /api/v1/changeSets", lambda _: space, None),
        (
            "GET /api/v1/changeSets/detail",
            lambda s: {"changeSetId": s["changeSetId"]},
            None,
        ),
        (
            "POST /api/v1/changeSets/update",
            lambda s: {"changeSetId": s["changeSetId"], "title": "Set 2"},
            None,
        ),
        (
            "POST /api/v1/changeSets/preflight",
            lambda s: {"changeSetId": s["changeSetId"]},
            None,
        ),
        (
            "POST /api/v1/changeSets/submit",
            lambda s: {"changeSetId": s["changeSetId"]},
            None,
        ),
        (
            "POST /api/v1/changeSets/decide",
            lambda s: {"changeSetId": s["changeSetId"], "decision": "approve"},
            None,
        ),
        (
            "POST /api/v1/changeSets/archive",
            lambda s: {"changeSetId": s["changeSetId"]},
            None,
        ),
        (
            "POST /api/v1/delegations",
            lambda _: {
                "delegateAccountId": account(team, "carol"),
                "from": "2026-03-02",
                "to": "2026-03-09",
            },
            keep("delegationId", "delegation"),
        ),
        ("GET /api/v1/delegations", lambda _: {}, None),
        (
            "POST /api/v1/delegations/revoke",
            lambda s: {"delegationId": s["delegationId"]},
            None,
        ),
        ("GET /api/v1/queue", lambda _: {"status": "all"}, None),
        ("GET /api/v1/audit", lambda _: space, None),
        ("GET /api/v1/audit/export", lambda _: {**space, "format": "csv"}, None),
        ("GET /api/v1/analytics", lambda _: space, None),
        ("GET /api/v1/webhooks/events", lambda _: {}, None),
        (
            "POST /api/v1/webhooks",
            lambda _: {**space, "url": "https://93.184.216.34/h", "events": ["*"]},
            keep("webhookId", "webhook"),
        ),
        ("GET /api/v1/webhooks", lambda _: space, None),
        (
            "POST /api/v1/webhooks/update",
            lambda s: {"webhookId": s["webhookId"], "active": False},
            None,
        ),
        ("POST /api/v1/webhooks/rotate", lambda s: {"webhookId": s["webhookId"]}, None),
        (
            "GET /api/v1/webhooks/deliveries",
            lambda s: {"webhookId": s["webhookId"]},
            None,
        ),
        ("POST /api/v1/webhooks/delete", lambda s: {"webhookId": s["webhookId"]}, None),
    ]


def test_its_own_scope_alone_opens_each_route(
    api: AppClient, team: Team, scoped: Callable[..., str]
) -> None:
    review_by(team, ["alice"], allow_self_approval=True)
    routes = {str(route): route for route in api_routes(api.app)}
    requests = _requests(team)
    assert {name for name, _, _ in requests} == set(routes)
    state: dict[str, Any] = {}
    failed: list[str] = []
    with run_site() as running:  # the site `acme` a group follows a group of
        connect_app(api.app, running)
        running.site.add_group("legal")
        for name, payload, keep in requests:
            route = routes[name]
            response = route.call(api, scoped(route.scope.value), payload(state))
            if response.status_code != 200:
                failed.append(f"{name}: {response.status_code} {response.text}")
            elif keep is not None:
                keep(state, response.json())
    assert failed == []
