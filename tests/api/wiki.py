"""Helpers for the page store's tests: paths, error envelopes, workflows over HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from factories import make_workflow, step
from signoff.db.models import Group, Page, Space, User
from signoff.domain.states import Rule

from .support import AppClient, Team

WIKI = "/wiki/api/v2"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def error_of(response: httpx.Response, status: int, code: str) -> str:
    """Assert Confluence's v2 error envelope; return its detail."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"]
    (error,) = body["errors"]
    assert set(error) == {"status", "code", "title", "detail"}
    assert (error["status"], error["code"]) == (status, code)
    assert isinstance(error["title"], str)
    assert isinstance(error["detail"], str)
    return str(error["detail"])


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def account(team: Team, name: str) -> str:
    with team.db.read() as s:
        user = s.get(User, team.users[name])
        assert user is not None
        return user.account_id


def govern(
    team: Team,
    *approvers: list[str],
    page_index: int = 0,
    groups_of_first: tuple[str, ...] | list[str] = (),
    rule: Rule = Rule.all,
) -> None:
    """Assign a workflow with one step per list of approvers to one page."""
    with team.db.write() as s:
        alice = s.get(User, team.users["alice"])
        space = s.get(Space, team.space_id)
        assert alice is not None and space is not None
        groups = s.scalars(select(Group).where(Group.name.in_(groups_of_first))).all()
        steps = [
            step(
                *(s.get(User, team.users[name]) for name in names),
                groups=groups if index == 0 else (),
                rule=rule,
                name=f"Step {index + 1}",
            )
            for index, names in enumerate(approvers)
        ]
        page = s.get(Page, team.pages[page_index])
        make_workflow(s, space, alice, steps, pages=[page])


def submit(api: AppClient, team: Team, page_id: int, who: str = "bob") -> None:
    ok(
        api.post(
            "/api/v1/pages/submit",
            token=team.tokens[who],
            json={"pageId": str(page_id)},
        )
    )


def decide(
    api: AppClient,
    team: Team,
    who: str,
    page_id: int,
    kind: str = "approve",
    comment: str | None = None,
    version: int = 1,
) -> None:
    ok(
        api.post(
            f"/api/v1/pages/{kind}",
            token=team.tokens[who],
            json={"pageId": str(page_id), "version": version, "comment": comment},
        )
    )
