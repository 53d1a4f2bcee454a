"""Assertions and set-ups shared by the endpoint tests of `/api/v1`.

`ok` checks a success against its documented response model, so the OpenAPI
document can never drift from what the API sends; `refused` checks the error envelope.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import func, select

from audit_helpers import actions_since, last_event_id
from factories import make_workflow, step
from signoff.db.models import OutboxMessage, Page, Space, User, Workflow
from signoff.domain.states import Rule

from .support import AppClient, Team

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
NOW_TEXT = "2026-02-02T10:30:00Z"


def ok(model: type[BaseModel], response: httpx.Response) -> dict[str, Any]:
    """The body of a 200 that matches its documented model exactly."""
    assert response.status_code == 200, response.text
    body = response.json()
    model.model_validate(body)
    assert body["success"] is True
    return dict(body)


def refused(response: httpx.Response, status: int, error: str | None = None) -> str:
    """The error sentence of a refusal with `status`; equal to `error` when given."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error"}
    assert body["success"] is False
    if error is not None:
        assert body["error"] == error
    return str(body["error"])


def fix_clock(api: AppClient, moment: datetime = NOW) -> None:
    """Every API call from now on happens at `moment`."""
    api.app.state.clock = lambda: moment


def account(team: Team, name: str) -> str:
    with team.db.read() as s:
        user = s.get(User, team.users[name])
        assert user is not None
        return user.account_id


def review_by(
    team: Team,
    approvers: Sequence[str],
    *,
    pages: int = 6,
    rule: Rule = Rule.all,
    **options: Any,
) -> int:
    """A workflow (one step, the named approvers) assigned to the first `pages`."""
    with team.db.write() as s:
        space, alice = s.get(Space, team.space_id), s.get(User, team.users["alice"])
        assert space is not None
        assert alice is not None
        people = [s.get(User, team.users[name]) for name in approvers]
        workflow = make_workflow(
            s,
            space,
            alice,
            [step(*[p for p in people if p is not None], rule=rule)],
            pages=[p for p in (s.get(Page, i) for i in team.pages[:pages]) if p],
            **options,
        )
        return workflow.id


def workflow_revision(team: Team, workflow_id: int) -> int:
    with team.db.read() as s:
        workflow = s.get(Workflow, workflow_id)
        assert workflow is not None
        return workflow.revision


@contextmanager
def only_a_denial(team: Team) -> Iterator[None]:
    """The block writes exactly one audit event, `auth.denied`, and no outbox row."""
    with team.db.read() as s:
        before = last_event_id(s)
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
    yield
    with team.db.read() as s:
        assert actions_since(s, before) == ["auth.denied"]
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == outbox


def actions_after(team: Team, before: int) -> list[str]:
    with team.db.read() as s:
        return actions_since(s, before)


def last_event(team: Team) -> int:
    with team.db.read() as s:
        return last_event_id(s)
