"""Ids and cursors outside the range the database stores, on every interface.

Stored ids are 32-bit and start at 1. Any other integer names nothing, so it answers
404 like an id that is not there (never a 500 from the driver: SQLite's cannot bind
2**63, and PostgreSQL's columns hold 2**31 - 1); a cursor no page handed out answers
400. A page id goes up to 2**63 - 1 (a Confluence page id), and one that names no
page answers 404 all the same. The routes come from the app's route table and the
request bodies' id fields from its OpenAPI document, so an id added tomorrow is tried
here too. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import MetaData, select

from factories import (
    by,
    make_change_set,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from oauth.support import Browser, Clock, Site
from reliability.test_csrf_every_form import BOOKKEEPING
from signoff.actions.comments import do_post_comment
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
from signoff.web.sessions import SESSION_COOKIE

# Integers that name nothing: below the range, just above it, and past what a
# 64-bit integer holds (the SQLite driver's OverflowError).
OUTSIDE = ["0", "-1", str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 40]
API_PREFIXES = ("/api/", "/wiki/api/")
# How the OpenAPI document marks an id, and a page id (`signoff.ids.PageId`).
ID_PATTERNS = ("^[0-9]{1,10}$", "^[0-9]{1,19}$")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    app: FastAPI
    db: Database
    browser: Browser  # the site admin, signed in
    csrf: str
    bearer: str  # the site admin's token, every scope
    values: dict[str, str]  # a real value for each path parameter

    def call(
        self, method: str, path: str, *, body: Any = None, query: str = ""
    ) -> httpx.Response:
        """The request as its interface expects it: a bearer token and JSON for the
        APIs, the session and a form with its CSRF token for the UI."""
        url = path + query
        if path.startswith(API_PREFIXES):
            options: dict[str, Any] = {
                "headers": {"Authorization": f"Bearer {self.bearer}"}
            }
            if method in ("POST", "PUT"):
                options["json"] = {} if body is None else body
            return self.browser.request(method, url, **options)
        if method == "GET":
            return self.browser.get(url)
        form = {"csrf_token": self.csrf, **(body or {})}
        return self.browser.request(method, url, data=form)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=db_url))
    clock = Clock()
    app.state.clock = clock
    db: Database = app.state.db
    with db.write() as session:
        admin = make_user(session, "admin", site_admin=True)
        other = make_user(session, "other")
        space = make_space(session, admin=admin, members={other: Role.editor})
        page = make_page(session, space, admin)
        workflow = make_workflow(session, space, admin, [step(other)])
        change_set = make_change_set(session, space, admin, [page])
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
        token, bearer = do_create_token(
            session, admin, scopes=sorted(ALL_SCOPES), **by(None)
        )
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        secret = do_sign_in(session, admin, **by(None, now=clock())).secret
        values = {
            "key": space.key,
            "verb": "submit",
            "page_id": str(page.id),
            "space_id": str(space.id),
            "workflow_id": str(workflow.id),
            "change_set_id": str(change_set.id),
            "webhook_id": str(hook.id),
            "token_id": str(token.id),
            "comment_id": str(comment.id),
            "property_id": str(page.id),
            "number": "1",
            "name": "swagger-ui.css",
        }
    site = Site(app)
    try:
        browser = site.browser()
        browser.client.cookies.set(SESSION_COOKIE, secret)
        found = _CSRF.search(browser.get("/account").text)
        assert found is not None
        yield World(app, db, browser, found.group(1), bearer, values)
    finally:
        site.close()


def database_hash(db: Database) -> str:
    """Every row of every table, sorted in Python (PostgreSQL cannot order JSON),
    but for the timestamps a read notes by design (a session's last sight, a token's
    last use: see `BOOKKEEPING`)."""
    metadata = MetaData()
    metadata.reflect(db.engine)
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            columns = [c for c in table.columns if (name, c.name) not in BOOKKEEPING]
            rows = sorted(repr(tuple(r)) for r in connection.execute(select(*columns)))
            digest.update(f"{name}:{rows!r}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class IdInPath:
    method: str
    template: str
    param: str

    def __str__(self) -> str:
        return f"{self.method} {self.template} ({self.param})"


def ids_in_paths(app: FastAPI) -> list[IdInPath]:
    """Every (route, method, integer path parameter) of the route table."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for param in route.dependant.path_params:
            if param.field_info.annotation is int:
                for method in sorted(context.methods or ()):
                    found.append(IdInPath(method, context.path or "", param.name))
    return found


def answers_as_missing(response: httpx.Response, template: str, shown: str) -> str:
    """What is wrong with the answer, or "" when it is the interface's own 404."""
    if response.status_code != 404:
        return f"{response.status_code} {response.text[:200]}"
    kind = response.headers.get("content-type", "")
    if template.startswith("/wiki/"):
        errors = response.json().get("errors", [{}])
        ok = errors[0].get("status") == 404 and errors[0].get("code") == "NOT_FOUND"
        return "" if ok else response.text[:200]
    if template.startswith("/api/"):
        body = response.json()
        ok = body.get("success") is False and body.get("error", "").endswith(
            f" {shown} not found."
        )
        return "" if ok else response.text[:200]
    return "" if "text/html" in kind and shown in response.text else kind


def test_every_id_in_a_path_outside_the_range_answers_404(world: World) -> None:
    """Read and write routes alike, UI and APIs: no query runs, nothing changes."""
    cases = ids_in_paths(world.app)
    assert len({case.template for case in cases}) >= 30
    assert {c.template for c in cases} >= {
        "/spaces/{key}/pages/{page_id}",
        "/changesets/{change_set_id}/archive",
        "/spaces/{key}/workflows/{workflow_id}/deactivate",
        "/spaces/{key}/webhooks/{webhook_id}/remove",
        "/wiki/api/v2/pages/{page_id}",
    }
    before = database_hash(world.db)
    wrong: dict[str, str] = {}
    for case in cases:
        for value in OUTSIDE:
            path = re.sub(
                r"\{(\w+)\}",
                lambda m, v=value, p=case.param: v if m[1] == p else world.values[m[1]],
                case.template,
            )
            answer = world.call(case.method, path)
            problem = answers_as_missing(answer, case.template, value)
            if problem:
                wrong[f"{case} = {value}"] = problem
    assert wrong == {}
    assert database_hash(world.db) == before


def test_the_api_names_the_missing_object_as_for_any_unknown_id(
    world: World,
) -> None:
    """An id past the range reads exactly as an id in range that names nothing."""
    for value in ("999999", str(2**63), "0", "-5"):
        answer = world.call("GET", "/api/v1/pages/status", query=f"?pageId={value}")
        assert answer.status_code == 404
        assert answer.json() == {"success": False, "error": f"Page {value} not found."}
    answer = world.call("GET", f"/spaces/DOCS/pages/{2**63}")
    assert answer.status_code == 404
    assert f"Page {2**63} not found." in answer.text


def id_fields(schema: Any, document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(field path, a body holding only that id, set to `{bad}`) for each id field
    of a request body schema, nested objects and arrays included."""
    schema = _resolved(schema, document)
    if _is_id(schema, document):
        yield "", "{bad}"
        return
    if schema.get("type") == "array" and "items" in schema:
        for name, inner in id_fields(schema["items"], document):
            yield f"[0]{name}", [inner]
    for prop, sub in schema.get("properties", {}).items():
        for name, inner in id_fields(sub, document):
            yield f".{prop}{name}", {prop: inner}


def _resolved(schema: Any, document: dict[str, Any]) -> Any:
    if isinstance(schema, dict) and "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _resolved(target, document)
    return schema


def _is_id(schema: Any, document: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema]) if isinstance(schema, dict) else []
    return any(
        _resolved(option, document).get("pattern") in ID_PATTERNS for option in options
    )


def _with(body: Any, value: str) -> Any:
    if body == "{bad}":
        return value
    if isinstance(body, list):
        return [_with(item, value) for item in body]
    return {name: _with(item, value) for name, item in body.items()}


def api_id_cases(world: World) -> list[tuple[str, str, str, Any, str]]:
    """(method, path, where, body, query) for every id in a body or query string of
    the APIs' operations, as the OpenAPI document declares them."""
    document = world.browser.get("/openapi.json").json()
    cases = []
    for path, operations in document["paths"].items():
        if not path.startswith(API_PREFIXES):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and _is_id(
                    parameter.get("schema", {}), document
                ):
                    where = f"?{parameter['name']}"
                    cases.append((method.upper(), path, where, None, where + "={bad}"))
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is not None:
                for name, body in id_fields(schema, document):
                    cases.append((method.upper(), path, name, body, ""))
    return cases


def test_every_id_in_an_api_body_or_query_outside_the_range_answers_404(
    world: World,
) -> None:
    cases = api_id_cases(world)
    wheres = {(path, where) for _, path, where, _, _ in cases}
    assert {
        ("/api/v1/changeSets", ".pageRefs[0].pageId"),
        ("/api/v1/workflows/assign", ".pageIds[0]"),
        ("/api/v1/audit", "?pageId"),
        ("/wiki/api/v2/footer-comments", ".parentCommentId"),
    } <= wheres
    assert len(cases) >= 30
    before = database_hash(world.db)
    wrong: dict[str, str] = {}
    for method, template, where, body, query in cases:
        path = re.sub(r"\{(\w+)\}", lambda m: world.values[m[1]], template)
        for value in (str(2**63), "0", "-1"):
            answer = world.call(
                method,
                path,
                body=None if body is None else _with(body, value),
                query=query.replace("{bad}", value),
            )
            problem = answers_as_missing(answer, template, value)
            if problem:
                wrong[f"{method} {template} {where} = {value}"] = problem
    assert wrong == {}
    assert database_hash(world.db) == before


@pytest.mark.parametrize(
    "where",
    [
        "/spaces/DOCS/pages/{page_id}/submit",
        "/spaces/DOCS/pages/{page_id}/assign-workflow",
    ],
)
@pytest.mark.parametrize("value", [str(2**63), str(2**31), "0"])
def test_a_workflow_chosen_in_a_form_outside_the_range_is_not_found(
    world: World, where: str, value: str
) -> None:
    before = database_hash(world.db)
    answer = world.call(
        "POST", where.format(**world.values), body={"workflow_id": value}
    )
    assert answer.status_code == 404
    assert f"Workflow {value} not found." in answer.text
    assert database_hash(world.db) == before


@pytest.mark.parametrize(
    "value", [str(2**63), str(2**31), "0", "-1", "9" * 40, "\u00b2", "\u0661"]
)
def test_a_page_version_in_a_form_that_is_no_stored_number_is_bad_input(
    world: World, value: str
) -> None:
    """The version a decision names, or an edit started from: 400, never a 500."""
    before = database_hash(world.db)
    page = "/spaces/DOCS/pages/{page_id}".format(**world.values)
    for where, fields in (
        (page + "/approve", {"version": value}),
        (page + "/edit", {"version": value, "title": "T", "body": "<p>b</p>"}),
    ):
        answer = world.call("POST", where, body=fields)
        assert answer.status_code in (400, 409), (where, answer.text[:300])
    assert database_hash(world.db) == before


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "0", "-1", "9" * 40])
def test_a_cursor_outside_the_range_is_400(world: World, value: str) -> None:
    space = world.values["space_id"]
    answer = world.call(
        "GET", "/api/v1/audit", query=f"?spaceId={space}&cursor={value}"
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "success": False,
        "error": "cursor is not one this server gave out.",
    }
    page = world.call("GET", "/audit", query=f"?space=DOCS&cursor={value}")
    assert page.status_code == 400
    assert "cursor is not one this server gave out" in page.text


def test_a_queue_cursor_carrying_an_id_outside_the_range_is_400(world: World) -> None:
    import base64

    for value in (2**63, 2**31, 0):
        forged = base64.urlsafe_b64encode(f"q1:{value}".encode()).decode().rstrip("=")
        answer = world.call("GET", "/api/v1/queue", query=f"?cursor={forged}")
        assert answer.status_code == 400, (value, answer.text)


def test_a_well_formed_id_in_range_still_works(world: World) -> None:
    page = world.values["page_id"]
    assert world.call("GET", f"/spaces/DOCS/pages/{page}").status_code == 200
    answer = world.call("GET", "/api/v1/pages/status", query=f"?pageId={page}")
    assert answer.status_code == 200
    assert world.call("GET", f"/wiki/api/v2/pages/{page}").status_code == 200
