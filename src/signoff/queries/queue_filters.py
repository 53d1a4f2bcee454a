"""What the approval queue's filter form offers and reads back: the workflows and
change sets of the person's spaces, and a submitter named by username.

The queue itself (`queries/queue.py`) takes ids; these turn the form's choices into
them, one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import ChangeSet, User, Workflow
from signoff.domain.errors import BadInput
from signoff.domain.states import WorkflowKind


def list_workflow_choices(
    session: Session, space_ids: Sequence[int]
) -> list[tuple[int, str]]:
    """The workflows of these spaces, by name."""
    rows = session.execute(
        select(Workflow.id, Workflow.name)
        .where(Workflow.space_id.in_(space_ids), Workflow.kind == WorkflowKind.defined)
        .order_by(Workflow.name)
    )
    return [(workflow_id, name) for workflow_id, name in rows]


def list_change_set_choices(
    session: Session, space_ids: Sequence[int]
) -> list[tuple[int, str]]:
    """The change sets of these spaces, newest first."""
    rows = session.execute(
        select(ChangeSet.id, ChangeSet.title)
        .where(ChangeSet.space_id.in_(space_ids))
        .order_by(ChangeSet.id.desc())
    )
    return [(change_set_id, title) for change_set_id, title in rows]


def submitter_id(session: Session, username: str) -> int:
    """The id of the person called `username`; `BadInput` when there is none."""
    found = session.scalar(select(User.id).where(User.username == username))
    if found is None:
        raise BadInput(f"No user is called {username!r}.")
    return found
