"""Workflow definitions as clients read and write them: people by account id, groups
by name; and what a space admin's workflow screens list.

Definitions store user and group ids; these views translate both ways with one
statement per kind, however many workflows and steps are listed. `/api/v1` writes
the views (`api/v1/shapes/workflows.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from signoff.db.models import (
    Group,
    Page,
    Space,
    SpaceMember,
    User,
    Workflow,
    WorkflowStep,
)
from signoff.domain.states import Rule, StaleOn, WorkflowKind
from signoff.queries.page_refs import public_id_column


@dataclass(frozen=True)
class StepDefinitionView:
    name: str
    approvers: tuple[str, ...]
    """Account ids."""
    groups: tuple[str, ...]
    """Group names."""
    rule: Rule
    quorum: int | None
    min_rejections: int
    due_days: int | None


@dataclass(frozen=True)
class WorkflowView:
    id: int
    space_id: int
    name: str
    active: bool
    revision: int
    space_default: bool
    steps: tuple[StepDefinitionView, ...]
    expire_on_edit: bool
    stale_on: StaleOn
    allow_self_approval: bool
    valid_for_days: int | None
    notify_requests: bool
    notify_status: bool
    created_at: datetime
    updated_at: datetime
    allow_override: bool = True
    rereview_days: int | None = None


def list_workflows(session: Session, space_id: int) -> list[WorkflowView]:
    """Every workflow of the space, active or not, oldest first; four statements."""
    workflows = session.scalars(
        select(Workflow)
        .where(Workflow.space_id == space_id, Workflow.kind == WorkflowKind.defined)
        .options(selectinload(Workflow.steps))
        .order_by(Workflow.id)
    ).all()
    return _views(session, workflows)


def workflow_view(session: Session, workflow: Workflow) -> WorkflowView:
    return _views(session, [workflow])[0]


def user_ids_by_account(session: Session, account_ids: Iterable[str]) -> dict[str, int]:
    """Ids of the accounts that exist, by account id; unknown ones are left out."""
    wanted = set(account_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(User.account_id, User.id).where(User.account_id.in_(wanted))
    )
    return dict(rows.all())


def group_ids_by_name(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Ids of the groups that exist, by name; unknown ones are left out."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = session.execute(select(Group.name, Group.id).where(Group.name.in_(wanted)))
    return dict(rows.all())


def _views(session: Session, workflows: Sequence[Workflow]) -> list[WorkflowView]:
    if not workflows:
        return []
    names = _Names.load(session, workflows)
    return [
        WorkflowView(
            id=w.id,
            space_id=w.space_id,
            name=w.name,
            active=w.is_active,
            revision=w.revision,
            space_default=w.id in names.defaults,
            steps=tuple(names.step(step) for step in w.steps),
            expire_on_edit=w.expire_on_edit,
            stale_on=StaleOn(w.stale_on),
            allow_self_approval=w.allow_self_approval,
            valid_for_days=w.valid_for_days,
            notify_requests=w.notify_requests,
            notify_status=w.notify_status,
            created_at=w.created_at,
            updated_at=w.updated_at,
            allow_override=w.allow_override,
            rereview_days=w.rereview_days,
        )
        for w in workflows
    ]


@dataclass(frozen=True)
class _Names:
    """Account ids and group names of every person and group the workflows name."""

    accounts: dict[int, str]
    groups: dict[int, str]
    defaults: set[int | None]

    @classmethod
    def load(cls, session: Session, workflows: Sequence[Workflow]) -> _Names:
        users = {u for w in workflows for s in w.steps for u in s.approver_ids}
        groups = {g for w in workflows for s in w.steps for g in s.group_ids}
        spaces = {w.space_id for w in workflows}
        return cls(
            accounts=dict(
                session.execute(
                    select(User.id, User.account_id).where(User.id.in_(users))
                ).all()
            ),
            groups=dict(
                session.execute(
                    select(Group.id, Group.name).where(Group.id.in_(groups))
                ).all()
            ),
            defaults=set(
                session.scalars(
                    select(Space.default_workflow_id).where(Space.id.in_(spaces))
                )
            ),
        )

    def step(self, step: WorkflowStep) -> StepDefinitionView:
        return StepDefinitionView(
            name=step.name,
            approvers=tuple(self.accounts[u] for u in step.approver_ids),
            groups=tuple(self.groups[g] for g in step.group_ids),
            rule=Rule(step.rule),
            quorum=step.quorum,
            min_rejections=step.min_rejections,
            due_days=step.due_days,
        )


def approver_choices(
    session: Session, space_id: int, named: Iterable[int] = ()
) -> list[tuple[int, str]]:
    """People a workflow form offers as approvers: the space's members, plus anyone
    the workflow already names (so editing never drops them), by display name."""
    members = select(SpaceMember.user_id).where(SpaceMember.space_id == space_id)
    rows = session.execute(
        select(User.id, User.display_name, User.username)
        .where(
            or_(
                and_(User.id.in_(members), User.is_active.is_(True)),
                User.id.in_(set(named)),
            )
        )
        .order_by(User.display_name, User.id)
    ).all()
    return [(row[0], f"{row[1]} ({row[2]})") for row in rows]


def group_choices(session: Session) -> list[tuple[int, str]]:
    """Every group, by name: groups are site-wide."""
    rows = session.execute(select(Group.id, Group.name).order_by(Group.name)).all()
    return [(row[0], row[1]) for row in rows]


# -- the space admin's workflow screens --------------------------------------------


def list_space_workflows(session: Session, space_id: int) -> list[Workflow]:
    """Every workflow of the space, active or not, oldest first, with its steps."""
    return list(
        session.scalars(
            select(Workflow)
            .where(Workflow.space_id == space_id, Workflow.kind == WorkflowKind.defined)
            .order_by(Workflow.id)
            .options(selectinload(Workflow.steps))
        )
    )


def count_pages_by_workflow(session: Session, space_id: int) -> dict[int, int]:
    """How many of the space's pages each workflow is assigned to explicitly."""
    rows = session.execute(
        select(Page.workflow_id, func.count())
        .where(Page.space_id == space_id, Page.workflow_id.is_not(None))
        .group_by(Page.workflow_id)
    )
    return {workflow_id: count for workflow_id, count in rows if workflow_id}


@dataclass(frozen=True)
class PageWorkflow:
    id: int
    title: str
    workflow: str | None
    """The name of the page's own workflow; None when it has none."""
    public_id: str
    """The page's id as clients name it, in forms (`queries.page_refs`)."""


def list_pages_with_workflows(session: Session, space_id: int) -> list[PageWorkflow]:
    """The space's current pages by title, each with its own workflow's name."""
    rows = session.execute(
        select(Page.id, Page.title, Workflow.name, public_id_column())
        .outerjoin(Workflow, Workflow.id == Page.workflow_id)
        .where(Page.space_id == space_id, Page.status == "current")
        .order_by(Page.title, Page.id)
    )
    return [PageWorkflow(*row) for row in rows]
