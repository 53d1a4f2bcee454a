"""Which workflow governs a page, and what makes a workflow definition valid.

Resolution: the page's explicit assignment, else the space default, else the single
active workflow of the space. The single-page submit is strict: with several active
workflows and none chosen, it refuses rather than guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signoff.domain.errors import BadInput
from signoff.domain.states import Rule
from signoff.domain.steps import rejections_that_fail

MAX_STEPS = 20
MAX_NAME = 200


@dataclass(frozen=True)
class Resolution:
    workflow_id: int | None
    ambiguous: bool = False


def resolve_workflow(
    *,
    explicit: int | None,
    space_default: int | None,
    active: Sequence[int],
    strict: bool,
) -> Resolution:
    """The workflow for a page; `ambiguous` when strict resolution had to refuse.

    Non-strict resolution (bulk submit of a change set) picks nothing either when
    several are active: guessing a workflow is never safe, it only reports no workflow.
    """
    if explicit is not None:
        return Resolution(explicit)
    if space_default is not None:
        return Resolution(space_default)
    if len(active) == 1:
        return Resolution(active[0])
    return Resolution(None, ambiguous=strict and len(active) > 1)


@dataclass(frozen=True)
class StepDefinition:
    """A step as submitted by a person, before it is stored."""

    name: str
    approver_ids: tuple[int, ...]
    group_ids: tuple[int, ...]
    rule: Rule
    quorum: int | None
    min_rejections: int
    due_days: int | None = None


def check_step_definition(step: StepDefinition, index: int) -> None:
    """Refuse a step that could never pass or that names nothing, saying which field."""
    where = f"steps[{index}]"
    if not step.name.strip():
        raise BadInput(f"{where}.name must not be empty.", field=f"{where}.name")
    if len(step.name) > MAX_NAME:
        raise BadInput(f"{where}.name is too long.", field=f"{where}.name")
    seats = len(set(step.approver_ids)) + len(set(step.group_ids))
    if seats == 0:
        raise BadInput(
            f"{where} needs at least one approver or group.", field=f"{where}.approvers"
        )
    if step.rule is Rule.quorum:
        if step.quorum is None or step.quorum < 1:
            raise BadInput(
                f"{where}.quorum must be a whole number of at least 1 for rule quorum.",
                field=f"{where}.quorum",
            )
        if not step.group_ids and step.quorum > len(set(step.approver_ids)):
            raise BadInput(
                f"{where}.quorum is larger than the number of approvers named.",
                field=f"{where}.quorum",
            )
    elif step.quorum is not None:
        raise BadInput(
            f"{where}.quorum is only allowed with rule quorum.", field=f"{where}.quorum"
        )
    if step.min_rejections < 1:
        raise BadInput(
            f"{where}.minRejections must be at least 1.", field=f"{where}.minRejections"
        )
    check_min_rejections(step, index)
    if step.due_days is not None and step.due_days < 1:
        raise BadInput(f"{where}.dueDays must be at least 1.", field=f"{where}.dueDays")


def check_min_rejections(step: StepDefinition, index: int) -> None:
    """Refuse a `minRejections` the rule makes unreachable: the step would fail on
    fewer rejections than it says (one, under `all`), which misleads whoever reads it.
    """
    seats = len(set(step.approver_ids)) + len(set(step.group_ids))
    limit = rejections_that_fail(step.rule, step.quorum, seats)
    if step.min_rejections <= limit:
        return
    rule = f"quorum {step.quorum}" if step.rule is Rule.quorum else step.rule.value
    where = f"steps[{index}].minRejections"
    raise BadInput(
        f"{where} is {step.min_rejections}, but with rule {rule} and {seats} "
        f"seat(s) the step already fails after {limit} rejection(s), when the "
        f"approvals still possible can no longer meet the rule: set it to at "
        f"most {limit}.",
        field=where,
    )


def check_workflow_definition(name: str, steps: Sequence[StepDefinition]) -> None:
    if not name.strip():
        raise BadInput("name must not be empty.", field="name")
    if len(name) > MAX_NAME:
        raise BadInput(f"name is longer than {MAX_NAME} characters.", field="name")
    if not steps:
        raise BadInput("A workflow needs at least one step.", field="steps")
    if len(steps) > MAX_STEPS:
        raise BadInput(f"A workflow has at most {MAX_STEPS} steps.", field="steps")
    for index, step in enumerate(steps):
        check_step_definition(step, index)
