"""Which workflow governs a page; which definitions are refused, and on which field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from signoff.domain.errors import BadInput
from signoff.domain.states import Rule
from signoff.domain.workflows import (
    MAX_NAME,
    MAX_STEPS,
    Resolution,
    StepDefinition,
    check_step_definition,
    check_workflow_definition,
    resolve_workflow,
)

EXPLICIT, DEFAULT, ACTIVE_A, ACTIVE_B = 11, 22, 33, 44


@pytest.mark.parametrize(
    ("explicit", "space_default", "active", "strict", "resolution"),
    [
        pytest.param(
            EXPLICIT,
            DEFAULT,
            [ACTIVE_A, ACTIVE_B],
            True,
            Resolution(EXPLICIT),
            id="explicit-beats-default-and-active",
        ),
        pytest.param(
            EXPLICIT, None, [], True, Resolution(EXPLICIT), id="explicit-alone"
        ),
        pytest.param(
            EXPLICIT,
            None,
            [ACTIVE_A, ACTIVE_B],
            True,
            Resolution(EXPLICIT),
            id="explicit-settles-several-active-even-when-strict",
        ),
        pytest.param(
            None,
            DEFAULT,
            [ACTIVE_A, ACTIVE_B],
            True,
            Resolution(DEFAULT),
            id="space-default-beats-several-active",
        ),
        pytest.param(
            None,
            DEFAULT,
            [ACTIVE_A],
            False,
            Resolution(DEFAULT),
            id="space-default-beats-single-active",
        ),
        pytest.param(
            None,
            None,
            [ACTIVE_A],
            True,
            Resolution(ACTIVE_A),
            id="single-active-strict",
        ),
        pytest.param(
            None,
            None,
            [ACTIVE_A],
            False,
            Resolution(ACTIVE_A),
            id="single-active-non-strict",
        ),
        pytest.param(None, None, [], True, Resolution(None), id="none-strict"),
        pytest.param(None, None, [], False, Resolution(None), id="none-non-strict"),
        pytest.param(
            None,
            None,
            [ACTIVE_A, ACTIVE_B],
            True,
            Resolution(None, ambiguous=True),
            id="several-active-strict-is-ambiguous",
        ),
        pytest.param(
            None,
            None,
            [ACTIVE_A, ACTIVE_B],
            False,
            Resolution(None, ambiguous=False),
            id="several-active-non-strict-is-no-workflow",
        ),
    ],
)
def test_resolve_workflow_tries_explicit_then_default_then_single_active(
    explicit: int | None,
    space_default: int | None,
    active: list[int],
    strict: bool,
    resolution: Resolution,
) -> None:
    assert (
        resolve_workflow(
            explicit=explicit, space_default=space_default, active=active, strict=strict
        )
        == resolution
    )


VALID_STEP = StepDefinition(
    name="Legal",
    approver_ids=(1, 2),
    group_ids=(),
    rule=Rule.all,
    quorum=None,
    min_rejections=1,
)


def step(**changes: Any) -> StepDefinition:
    return replace(VALID_STEP, **changes)


@pytest.mark.parametrize(
    "definition",
    [
        pytest.param(VALID_STEP, id="all-of-users"),
        pytest.param(step(approver_ids=(), group_ids=(5,)), id="groups-only"),
        pytest.param(step(group_ids=(5, 6)), id="users-and-groups"),
        pytest.param(step(rule=Rule.any), id="any"),
        pytest.param(step(rule=Rule.quorum, quorum=1), id="quorum-of-one"),
        pytest.param(step(rule=Rule.quorum, quorum=2), id="quorum-of-two"),
        pytest.param(
            step(rule=Rule.any, approver_ids=(1, 2, 3), min_rejections=3),
            id="several-rejections",
        ),
        pytest.param(step(due_days=1), id="due-in-a-day"),
        pytest.param(step(name="x" * MAX_NAME), id="longest-name"),
        pytest.param(step(approver_ids=(1, 1)), id="repeated-approver"),
    ],
)
def test_valid_step_definition_is_accepted(definition: StepDefinition) -> None:
    check_step_definition(definition, 0)


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        pytest.param(step(name=""), "steps[2].name", id="empty-name"),
        pytest.param(step(name="   "), "steps[2].name", id="blank-name"),
        pytest.param(step(name="x" * (MAX_NAME + 1)), "steps[2].name", id="long-name"),
        pytest.param(
            step(approver_ids=(), group_ids=()), "steps[2].approvers", id="no-seats"
        ),
        pytest.param(
            step(rule=Rule.quorum, quorum=None),
            "steps[2].quorum",
            id="quorum-rule-without-n",
        ),
        pytest.param(
            step(rule=Rule.quorum, quorum=0), "steps[2].quorum", id="quorum-of-zero"
        ),
        pytest.param(
            step(rule=Rule.quorum, quorum=-1),
            "steps[2].quorum",
            id="negative-quorum",
        ),
        pytest.param(
            step(rule=Rule.all, quorum=2), "steps[2].quorum", id="quorum-with-rule-all"
        ),
        pytest.param(
            step(rule=Rule.any, quorum=2), "steps[2].quorum", id="quorum-with-rule-any"
        ),
        pytest.param(
            step(min_rejections=0), "steps[2].minRejections", id="zero-min-rejections"
        ),
        pytest.param(step(due_days=0), "steps[2].dueDays", id="zero-due-days"),
        pytest.param(step(due_days=-3), "steps[2].dueDays", id="negative-due-days"),
    ],
)
def test_invalid_step_definition_is_refused_naming_its_field(
    definition: StepDefinition, field: str
) -> None:
    with pytest.raises(BadInput) as refused:
        check_step_definition(definition, 2)
    assert refused.value.field == field
    assert refused.value.message.startswith("steps[2]")


def test_step_name_is_checked_before_its_seats() -> None:
    with pytest.raises(BadInput) as refused:
        check_step_definition(step(name="", approver_ids=()), 0)
    assert refused.value.field == "steps[0].name"


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        pytest.param("Docs review", [VALID_STEP], id="one-step"),
        pytest.param("x" * MAX_NAME, [VALID_STEP], id="longest-name"),
        pytest.param(
            "Docs review",
            [VALID_STEP, step(name="Legal"), step(rule=Rule.any)],
            id="three-steps",
        ),
        pytest.param("Docs review", [VALID_STEP] * MAX_STEPS, id="most-steps"),
    ],
)
def test_valid_workflow_definition_is_accepted(
    name: str, steps: list[StepDefinition]
) -> None:
    check_workflow_definition(name, steps)


@pytest.mark.parametrize(
    ("name", "steps", "field"),
    [
        pytest.param("", [VALID_STEP], "name", id="empty-name"),
        pytest.param(" \t", [VALID_STEP], "name", id="blank-name"),
        pytest.param("x" * (MAX_NAME + 1), [VALID_STEP], "name", id="long-name"),
        pytest.param("Docs review", [], "steps", id="no-steps"),
        pytest.param(
            "Docs review", [VALID_STEP] * (MAX_STEPS + 1), "steps", id="too-many-steps"
        ),
        pytest.param(
            "Docs review",
            [VALID_STEP, VALID_STEP, step(rule=Rule.quorum)],
            "steps[2].quorum",
            id="bad-third-step",
        ),
        pytest.param(
            "Docs review",
            [step(name=""), step(min_rejections=0)],
            "steps[0].name",
            id="first-bad-step-is-reported",
        ),
        pytest.param("", [], "name", id="name-is-checked-before-steps"),
    ],
)
def test_invalid_workflow_definition_is_refused_naming_its_field(
    name: str, steps: list[StepDefinition], field: str
) -> None:
    with pytest.raises(BadInput) as refused:
        check_workflow_definition(name, steps)
    assert refused.value.field == field


def test_quorum_larger_than_the_named_approvers_is_refused() -> None:
    step = StepDefinition("Legal", (1, 2), (), Rule.quorum, 3, 1)
    with pytest.raises(BadInput) as refused:
        check_step_definition(step, 0)
    assert refused.value.field == "steps[0].quorum"


def test_quorum_may_exceed_named_users_when_a_group_can_fill_it() -> None:
    check_step_definition(StepDefinition("Legal", (1,), (9,), Rule.quorum, 3, 1), 0)


@pytest.mark.parametrize(
    "definition",
    [
        pytest.param(step(rule=Rule.all, min_rejections=1), id="all-fails-on-one"),
        pytest.param(step(rule=Rule.any, min_rejections=2), id="any-of-two-on-two"),
        pytest.param(
            step(rule=Rule.quorum, quorum=2, approver_ids=(1, 2, 3), min_rejections=2),
            id="quorum-two-of-three-on-two",
        ),
        pytest.param(
            step(rule=Rule.quorum, quorum=1, min_rejections=2),
            id="quorum-one-of-two-on-two",
        ),
        pytest.param(
            step(rule=Rule.any, approver_ids=(1,), group_ids=(5,), min_rejections=2),
            id="any-of-a-user-and-a-group-on-two",
        ),
    ],
)
def test_min_rejections_the_rule_can_reach_is_accepted(
    definition: StepDefinition,
) -> None:
    check_step_definition(definition, 0)


@pytest.mark.parametrize(
    ("definition", "limit"),
    [
        pytest.param(step(rule=Rule.all, min_rejections=2), 1, id="all-on-two"),
        pytest.param(
            step(rule=Rule.all, approver_ids=(), group_ids=(5, 6), min_rejections=2),
            1,
            id="all-of-groups-on-two",
        ),
        pytest.param(step(rule=Rule.any, min_rejections=3), 2, id="any-of-two-on-3"),
        pytest.param(
            step(rule=Rule.quorum, quorum=2, approver_ids=(1, 2, 3), min_rejections=3),
            2,
            id="quorum-two-of-three-on-three",
        ),
        pytest.param(
            step(rule=Rule.quorum, quorum=2, min_rejections=2),
            1,
            id="quorum-two-of-two-on-two",
        ),
        pytest.param(
            step(
                rule=Rule.quorum,
                quorum=3,
                approver_ids=(),
                group_ids=(5,),
                min_rejections=2,
            ),
            1,
            id="quorum-beyond-the-seats-on-two",
        ),
    ],
)
def test_min_rejections_the_rule_can_never_wait_for_is_refused(
    definition: StepDefinition, limit: int
) -> None:
    with pytest.raises(BadInput) as refused:
        check_step_definition(definition, 2)
    assert refused.value.field == "steps[2].minRejections"
    assert refused.value.message.startswith(
        f"steps[2].minRejections is {definition.min_rejections}, but with rule "
    )
    assert f"set it to at most {limit}." in refused.value.message
