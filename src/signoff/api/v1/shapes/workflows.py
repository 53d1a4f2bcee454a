"""Workflow definitions as `/api/v1/workflows*` answer them: people by account id,
groups by name, as `queries.workflows` reads them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import WorkflowList, WorkflowOne, WorkflowOut

if TYPE_CHECKING:
    from signoff.queries.workflows import WorkflowView


def workflow_out(view: WorkflowView) -> WorkflowOut:
    return WorkflowOut.of(view)


def workflow_list(views: Sequence[WorkflowView]) -> WorkflowList:
    return WorkflowList(success=True, workflows=[workflow_out(view) for view in views])


def workflow_one(view: WorkflowView) -> WorkflowOne:
    return WorkflowOne(success=True, workflow=workflow_out(view))
