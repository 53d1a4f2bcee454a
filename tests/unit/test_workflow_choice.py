"""A named workflow decides only where the resolution rule leaves a choice."""

from __future__ import annotations

import pytest

from signoff.domain.workflow_choice import (
    WorkflowChoice,
    choose_workflow,
    workflow_choices,
)

EXPLICIT, DEFAULT, ACTIVE_A, ACTIVE_B, ELSEWHERE = 11, 22, 33, 44, 99
SEVERAL = [ACTIVE_A, ACTIVE_B]


@pytest.mark.parametrize(
    ("explicit", "space_default", "active", "chosen", "choice"),
    [
        pytest.param(
            EXPLICIT,
            None,
            SEVERAL,
            ACTIVE_A,
            WorkflowChoice(None, fixed=EXPLICIT),
            id="another-active-workflow-cannot-replace-the-assignment",
        ),
        pytest.param(
            None,
            DEFAULT,
            SEVERAL,
            ACTIVE_B,
            WorkflowChoice(None, fixed=DEFAULT),
            id="another-active-workflow-cannot-replace-the-space-default",
        ),
        pytest.param(
            None,
            None,
            [ACTIVE_A],
            ELSEWHERE,
            WorkflowChoice(None, fixed=ACTIVE_A),
            id="another-workflow-cannot-replace-the-only-active-one",
        ),
        pytest.param(
            EXPLICIT,
            DEFAULT,
            SEVERAL,
            EXPLICIT,
            WorkflowChoice(EXPLICIT),
            id="naming-the-assignment-is-naming-nothing",
        ),
        pytest.param(
            None,
            DEFAULT,
            [],
            DEFAULT,
            WorkflowChoice(DEFAULT),
            id="naming-the-space-default-is-naming-nothing",
        ),
        pytest.param(
            None,
            None,
            SEVERAL,
            ACTIVE_B,
            WorkflowChoice(ACTIVE_B),
            id="several-active-and-none-assigned-the-choice-decides",
        ),
        pytest.param(
            None,
            None,
            SEVERAL,
            ELSEWHERE,
            WorkflowChoice(None, ambiguous=True),
            id="a-name-outside-the-choice-leaves-it-ambiguous",
        ),
        pytest.param(
            None,
            None,
            [],
            ELSEWHERE,
            WorkflowChoice(None),
            id="no-active-workflow-no-choice",
        ),
        pytest.param(
            None,
            None,
            SEVERAL,
            None,
            WorkflowChoice(None, ambiguous=True),
            id="several-active-nothing-named-is-ambiguous",
        ),
    ],
)
def test_a_named_workflow_counts_only_where_the_rule_leaves_a_choice(
    explicit: int | None,
    space_default: int | None,
    active: list[int],
    chosen: int | None,
    choice: WorkflowChoice,
) -> None:
    assert (
        choose_workflow(
            explicit=explicit,
            space_default=space_default,
            active=active,
            strict=True,
            chosen=chosen,
        )
        == choice
    )


def test_a_bulk_submit_takes_a_choice_among_several_and_never_guesses() -> None:
    def choose(chosen: int | None) -> WorkflowChoice:
        return choose_workflow(
            explicit=None,
            space_default=None,
            active=SEVERAL,
            strict=False,
            chosen=chosen,
        )

    assert choose(None) == WorkflowChoice(None)
    assert choose(ACTIVE_A) == WorkflowChoice(ACTIVE_A)
    assert choose(ELSEWHERE) == WorkflowChoice(None)


@pytest.mark.parametrize(
    ("explicit", "space_default", "active", "choices"),
    [
        pytest.param(None, None, SEVERAL, (ACTIVE_A, ACTIVE_B), id="several-active"),
        pytest.param(EXPLICIT, None, SEVERAL, (), id="assigned"),
        pytest.param(None, DEFAULT, SEVERAL, (), id="space-default"),
        pytest.param(None, None, [ACTIVE_A], (), id="single-active"),
        pytest.param(None, None, [], (), id="none-active"),
    ],
)
def test_the_picker_offers_the_active_workflows_only_where_there_is_a_choice(
    explicit: int | None,
    space_default: int | None,
    active: list[int],
    choices: tuple[int, ...],
) -> None:
    assert (
        workflow_choices(explicit=explicit, space_default=space_default, active=active)
        == choices
    )
