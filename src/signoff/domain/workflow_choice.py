"""Whether a submitter may name the workflow a page is reviewed under.

The resolution rule (`domain.workflows.resolve_workflow`) decides first: the page's
explicit assignment, else the space default, else the only active workflow. A named
workflow counts only where that rule leaves a choice, so an editor can never swap the
review a space admin put on a page for a quicker one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signoff.domain.workflows import resolve_workflow


@dataclass(frozen=True)
class WorkflowChoice:
    """The workflow a submission runs under, or why there is none.

    `ambiguous`: strict resolution found several active workflows and nothing chose
    among them. `fixed`: the page's own workflow, set when the submitter named a
    different one (which is refused, and `workflow_id` is then None).
    """

    workflow_id: int | None
    ambiguous: bool = False
    fixed: int | None = None


def workflow_choices(
    *, explicit: int | None, space_default: int | None, active: Sequence[int]
) -> tuple[int, ...]:
    """The workflows a submitter may choose among: the active ones, when the page has
    no assignment, the space no default, and more than one is active; else none."""
    if explicit is not None or space_default is not None or len(active) < 2:
        return ()
    return tuple(active)


def choose_workflow(
    *,
    explicit: int | None,
    space_default: int | None,
    active: Sequence[int],
    strict: bool,
    chosen: int | None,
) -> WorkflowChoice:
    """The workflow for a submission that may name one (`chosen`).

    Naming the workflow the rule resolves to is the same as naming none. Where the
    rule resolves to a workflow, naming another is refused (`fixed`). Where it leaves
    a choice, a named active workflow of the space decides; a name outside that
    choice decides nothing, and the page stays as unresolved as without it.
    """
    resolved = resolve_workflow(
        explicit=explicit, space_default=space_default, active=active, strict=strict
    )
    if chosen is None or chosen == resolved.workflow_id:
        return WorkflowChoice(resolved.workflow_id, resolved.ambiguous)
    if resolved.workflow_id is not None:
        return WorkflowChoice(None, fixed=resolved.workflow_id)
    choices = workflow_choices(
        explicit=explicit, space_default=space_default, active=active
    )
    if chosen in choices:
        return WorkflowChoice(chosen)
    return WorkflowChoice(None, resolved.ambiguous)
