"""Step rules: how seats fill, how decisions add up, and who may decide.

Each table row is one situation a reviewer would recognise, named so a failure says
which rule broke. People are small integers; seats are built with `user` and `group`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from signoff.domain.states import DecisionKind, RequestStatus, Rule
from signoff.domain.steps import (
    REFUSALS,
    DecideRefusal,
    Seat,
    StepOutcome,
    StepRule,
    can_decide,
    can_ever_pass,
    eligible_holders,
    filled_seats,
    rejections_that_fail,
    request_progress,
    step_outcome,
)

APPROVE = DecisionKind.approve
REJECT = DecisionKind.reject
OPEN = StepOutcome.open
APPROVED = StepOutcome.approved
REJECTED = StepOutcome.rejected
AUTHOR = 100
SUBMITTER = 101
OUTSIDER = 999


def user(person: int) -> Seat:
    return Seat(f"user:{person}", frozenset({person}))


def group(group_id: int, *members: int) -> Seat:
    return Seat(f"group:{group_id}", frozenset(members))


def all_of(min_rejections: int = 1) -> StepRule:
    return StepRule(Rule.all, None, min_rejections)


def any_of(min_rejections: int = 1) -> StepRule:
    return StepRule(Rule.any, None, min_rejections)


def quorum(n: int, min_rejections: int = 1) -> StepRule:
    return StepRule(Rule.quorum, n, min_rejections)


NOBODY: frozenset[int] = frozenset()
ONLY_AUTHOR = frozenset({AUTHOR})

# --- filled_seats ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "approvers", "filled"),
    [
        pytest.param([user(1), user(2)], set(), 0, id="no-approvers-fill-nothing"),
        pytest.param([user(1), user(2)], {1}, 1, id="one-user-seat"),
        pytest.param([user(1), user(2)], {1, 2}, 2, id="every-user-seat"),
        pytest.param([group(10, 1, 2)], {2}, 1, id="any-member-fills-the-group-seat"),
        pytest.param(
            [group(10, 1, 2)], {1, 2}, 1, id="two-members-still-fill-one-group-seat"
        ),
        pytest.param(
            [user(1), group(10, 1, 2)], {1}, 1, id="one-person-fills-one-of-two-seats"
        ),
        pytest.param(
            [group(10, 1, 2), user(1)],
            {1, 2},
            2,
            id="group-seat-moves-to-the-other-member-so-the-user-seat-fills",
        ),
        pytest.param(
            [group(10, 1, 2), group(11, 1)],
            {1, 2},
            2,
            id="person-in-two-groups-is-placed-where-only-they-fit",
        ),
        pytest.param(
            [group(10, 1), group(11, 1)], {1}, 1, id="sole-member-of-two-groups"
        ),
        pytest.param([user(1)], {OUTSIDER}, 0, id="non-holder-fills-nothing"),
        pytest.param([group(10)], {1}, 0, id="empty-group-cannot-be-filled"),
    ],
)
def test_filled_seats_counts_seats_distinct_people_can_fill(
    seats: Sequence[Seat], approvers: set[int], filled: int
) -> None:
    assert filled_seats(seats, approvers) == filled


def test_eligible_holders_are_every_seat_holder_except_the_excluded() -> None:
    seats = [user(1), group(10, 2, AUTHOR), group(11, 1, 3)]
    assert eligible_holders(seats, ONLY_AUTHOR) == {1, 2, 3}


@pytest.mark.parametrize(
    ("rule", "seat_count", "needed"),
    [
        pytest.param(all_of(), 3, 3, id="all-needs-every-seat"),
        pytest.param(any_of(), 3, 1, id="any-needs-one"),
        pytest.param(quorum(2), 3, 2, id="quorum-needs-n"),
    ],
)
def test_approvals_needed_follows_the_rule(
    rule: StepRule, seat_count: int, needed: int
) -> None:
    assert rule.approvals_needed(seat_count) == needed


# --- step_outcome ---------------------------------------------------------------------

ALL_CASES = [
    pytest.param(all_of(), [user(1), user(2)], {}, NOBODY, OPEN, id="nobody-yet"),
    pytest.param(
        all_of(), [user(1), user(2)], {1: APPROVE}, NOBODY, OPEN, id="one-of-two-seats"
    ),
    pytest.param(
        all_of(),
        [user(1), user(2)],
        {1: APPROVE, 2: APPROVE},
        NOBODY,
        APPROVED,
        id="every-user-seat-approved",
    ),
    pytest.param(
        all_of(),
        [user(1), user(2)],
        {1: APPROVE, 2: REJECT},
        NOBODY,
        REJECTED,
        id="one-rejection-fails-by-default",
    ),
    pytest.param(
        all_of(),
        [user(1), group(10, 2, 3)],
        {1: APPROVE, 3: APPROVE},
        NOBODY,
        APPROVED,
        id="group-seat-filled-by-any-one-member",
    ),
    pytest.param(
        all_of(),
        [user(1), group(10, 2, 3)],
        {1: APPROVE},
        NOBODY,
        OPEN,
        id="group-seat-still-empty",
    ),
    pytest.param(
        all_of(),
        [user(1), group(10, 1, 2)],
        {1: APPROVE},
        NOBODY,
        OPEN,
        id="one-person-cannot-fill-two-seats",
    ),
    pytest.param(
        all_of(),
        [group(10, 1, 2), group(11, 1, 3)],
        {1: APPROVE, 3: APPROVE},
        NOBODY,
        APPROVED,
        id="member-of-two-groups-fills-the-one-the-other-cannot",
    ),
    pytest.param(
        all_of(),
        [group(10, 1), group(11, 1)],
        {},
        NOBODY,
        REJECTED,
        id="two-seats-held-by-one-person-can-never-pass",
    ),
    pytest.param(
        all_of(min_rejections=2),
        [user(1), user(2)],
        {1: REJECT},
        NOBODY,
        REJECTED,
        id="rejected-user-seat-can-never-fill-even-below-min-rejections",
    ),
    pytest.param(
        all_of(min_rejections=2),
        [user(1), group(10, 2, 3)],
        {2: REJECT},
        NOBODY,
        OPEN,
        id="group-member-rejects-but-another-member-can-still-fill-it",
    ),
    pytest.param(
        all_of(min_rejections=2),
        [user(1), group(10, 2, 3)],
        {2: REJECT, 3: REJECT},
        NOBODY,
        REJECTED,
        id="every-group-member-rejected",
    ),
    pytest.param(
        all_of(),
        [user(AUTHOR), user(2)],
        {},
        ONLY_AUTHOR,
        REJECTED,
        id="excluded-author-holds-a-user-seat",
    ),
    pytest.param(
        all_of(),
        [user(AUTHOR), user(2)],
        {AUTHOR: APPROVE, 2: APPROVE},
        ONLY_AUTHOR,
        REJECTED,
        id="excluded-author-approval-does-not-fill-their-seat",
    ),
    pytest.param(
        all_of(),
        [user(1), group(10, AUTHOR, 2)],
        {1: APPROVE, AUTHOR: APPROVE},
        ONLY_AUTHOR,
        OPEN,
        id="excluded-author-approval-does-not-fill-the-group-seat",
    ),
    pytest.param(
        all_of(),
        [user(1), group(10, AUTHOR, 2)],
        {1: APPROVE, 2: APPROVE},
        ONLY_AUTHOR,
        APPROVED,
        id="other-member-fills-the-group-seat-the-author-cannot",
    ),
    pytest.param(
        all_of(),
        [user(1), user(2)],
        {1: APPROVE, OUTSIDER: APPROVE},
        NOBODY,
        OPEN,
        id="non-holder-approval-fills-nothing",
    ),
]

ANY_CASES = [
    pytest.param(any_of(), [user(1), user(2)], {}, NOBODY, OPEN, id="nobody-yet"),
    pytest.param(
        any_of(), [user(1), user(2)], {2: APPROVE}, NOBODY, APPROVED, id="one-approval"
    ),
    pytest.param(
        any_of(),
        [group(10, 1, 2)],
        {2: APPROVE},
        NOBODY,
        APPROVED,
        id="one-group-member-approves",
    ),
    pytest.param(
        any_of(),
        [user(1), user(2)],
        {1: REJECT},
        NOBODY,
        REJECTED,
        id="one-rejection-fails-by-default",
    ),
    pytest.param(
        any_of(min_rejections=2),
        [user(1), user(2), user(3)],
        {1: REJECT},
        NOBODY,
        OPEN,
        id="one-rejection-below-min-rejections",
    ),
    pytest.param(
        any_of(min_rejections=2),
        [user(1), user(2), user(3)],
        {1: REJECT, 2: APPROVE},
        NOBODY,
        APPROVED,
        id="approval-after-a-rejection-below-min-rejections",
    ),
    pytest.param(
        any_of(min_rejections=2),
        [user(1), user(2), user(3)],
        {1: REJECT, 2: REJECT},
        NOBODY,
        REJECTED,
        id="rejections-reach-min-rejections",
    ),
    pytest.param(
        any_of(min_rejections=3),
        [user(1), user(2)],
        {1: REJECT, 2: REJECT},
        NOBODY,
        REJECTED,
        id="everyone-rejected-below-min-rejections",
    ),
    pytest.param(
        any_of(),
        [user(AUTHOR)],
        {},
        ONLY_AUTHOR,
        REJECTED,
        id="only-approver-is-the-excluded-author",
    ),
    pytest.param(
        any_of(),
        [user(AUTHOR), user(2)],
        {AUTHOR: APPROVE},
        ONLY_AUTHOR,
        OPEN,
        id="excluded-author-approval-does-not-count",
    ),
    pytest.param(
        any_of(),
        [user(AUTHOR), user(2)],
        {AUTHOR: REJECT},
        ONLY_AUTHOR,
        OPEN,
        id="excluded-author-rejection-does-not-count",
    ),
    pytest.param(
        any_of(),
        [user(1)],
        {OUTSIDER: APPROVE},
        NOBODY,
        OPEN,
        id="non-holder-approval-does-not-count",
    ),
    pytest.param(
        any_of(),
        [user(1)],
        {OUTSIDER: REJECT},
        NOBODY,
        OPEN,
        id="non-holder-rejection-does-not-count",
    ),
    pytest.param(any_of(), [group(10)], {}, NOBODY, REJECTED, id="empty-group"),
]

QUORUM_CASES = [
    pytest.param(
        quorum(2), [user(1), user(2), user(3)], {}, NOBODY, OPEN, id="nobody-yet"
    ),
    pytest.param(
        quorum(2),
        [user(1), user(2), user(3)],
        {1: APPROVE},
        NOBODY,
        OPEN,
        id="below-quorum",
    ),
    pytest.param(
        quorum(2),
        [user(1), user(2), user(3)],
        {1: APPROVE, 3: APPROVE},
        NOBODY,
        APPROVED,
        id="quorum-reached",
    ),
    pytest.param(
        quorum(2),
        [group(10, 1, 2, 3)],
        {1: APPROVE, 2: APPROVE},
        NOBODY,
        APPROVED,
        id="distinct-members-of-one-group-count-separately",
    ),
    pytest.param(
        quorum(2),
        [user(1), group(10, 1, 2)],
        {1: APPROVE},
        NOBODY,
        OPEN,
        id="person-holding-two-seats-counts-once",
    ),
    pytest.param(
        quorum(3),
        [user(1), user(2)],
        {},
        NOBODY,
        REJECTED,
        id="quorum-larger-than-eligible-people-fails-at-once",
    ),
    pytest.param(
        quorum(3),
        [user(1), group(10, 1, 2)],
        {},
        NOBODY,
        REJECTED,
        id="quorum-larger-than-distinct-people-across-seats-fails-at-once",
    ),
    pytest.param(
        quorum(2),
        [user(AUTHOR), user(2)],
        {},
        ONLY_AUTHOR,
        REJECTED,
        id="exclusion-leaves-fewer-people-than-quorum",
    ),
    pytest.param(
        quorum(2),
        [user(AUTHOR), user(2), user(3)],
        {AUTHOR: APPROVE, 2: APPROVE},
        ONLY_AUTHOR,
        OPEN,
        id="excluded-author-approval-does-not-count-towards-quorum",
    ),
    pytest.param(
        quorum(2),
        [user(1), user(2), user(3)],
        {1: APPROVE, OUTSIDER: APPROVE},
        NOBODY,
        OPEN,
        id="non-holder-approval-does-not-count-towards-quorum",
    ),
    pytest.param(
        quorum(2),
        [user(1), user(2), user(3)],
        {1: REJECT},
        NOBODY,
        REJECTED,
        id="one-rejection-fails-by-default",
    ),
    pytest.param(
        quorum(2, min_rejections=2),
        [user(1), user(2), user(3), user(4)],
        {1: REJECT},
        NOBODY,
        OPEN,
        id="one-rejection-below-min-rejections",
    ),
    pytest.param(
        quorum(2, min_rejections=2),
        [user(1), user(2), user(3), user(4)],
        {1: REJECT, 2: REJECT},
        NOBODY,
        REJECTED,
        id="rejections-reach-min-rejections",
    ),
    pytest.param(
        quorum(3, min_rejections=2),
        [user(1), user(2), user(3)],
        {1: REJECT},
        NOBODY,
        REJECTED,
        id="remaining-approvers-cannot-reach-quorum",
    ),
    pytest.param(
        quorum(2, min_rejections=3),
        [user(1), user(2), user(3)],
        {1: REJECT, 2: APPROVE, 3: REJECT},
        NOBODY,
        REJECTED,
        id="everyone-decided-and-quorum-missed",
    ),
]


def _check_outcome(
    rule: StepRule,
    seats: Sequence[Seat],
    decisions: Mapping[int, DecisionKind],
    excluded: frozenset[int],
    expected: StepOutcome,
) -> None:
    assert step_outcome(rule, seats, decisions, excluded) is expected


@pytest.mark.parametrize(
    ("rule", "seats", "decisions", "excluded", "expected"), ALL_CASES
)
def test_all_step_passes_when_every_seat_is_filled_by_distinct_people(
    rule: StepRule,
    seats: Sequence[Seat],
    decisions: Mapping[int, DecisionKind],
    excluded: frozenset[int],
    expected: StepOutcome,
) -> None:
    _check_outcome(rule, seats, decisions, excluded, expected)


@pytest.mark.parametrize(
    ("rule", "seats", "decisions", "excluded", "expected"), ANY_CASES
)
def test_any_step_passes_on_one_counted_approval(
    rule: StepRule,
    seats: Sequence[Seat],
    decisions: Mapping[int, DecisionKind],
    excluded: frozenset[int],
    expected: StepOutcome,
) -> None:
    _check_outcome(rule, seats, decisions, excluded, expected)


@pytest.mark.parametrize(
    ("rule", "seats", "decisions", "excluded", "expected"), QUORUM_CASES
)
def test_quorum_step_passes_on_n_approvals_from_distinct_people(
    rule: StepRule,
    seats: Sequence[Seat],
    decisions: Mapping[int, DecisionKind],
    excluded: frozenset[int],
    expected: StepOutcome,
) -> None:
    _check_outcome(rule, seats, decisions, excluded, expected)


def test_quorum_step_fails_when_remaining_approvers_cannot_reach_quorum() -> None:
    seats = [user(1), user(2), user(3), user(4)]
    rule = quorum(3, min_rejections=3)
    assert step_outcome(rule, seats, {1: REJECT}) is OPEN
    assert step_outcome(rule, seats, {1: REJECT, 2: REJECT}) is REJECTED


def test_step_outcome_defaults_to_excluding_nobody() -> None:
    assert step_outcome(any_of(), [user(AUTHOR)], {AUTHOR: APPROVE}) is APPROVED


# --- can_ever_pass --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "seats", "excluded", "possible"),
    [
        pytest.param(all_of(), [user(1), user(2)], NOBODY, True, id="all-users"),
        pytest.param(
            all_of(),
            [user(AUTHOR), user(2)],
            ONLY_AUTHOR,
            False,
            id="all-with-the-excluded-author-in-a-user-seat",
        ),
        pytest.param(
            all_of(),
            [group(10, AUTHOR, 2)],
            ONLY_AUTHOR,
            True,
            id="all-with-the-excluded-author-in-a-group-with-others",
        ),
        pytest.param(
            all_of(),
            [group(10, AUTHOR)],
            ONLY_AUTHOR,
            False,
            id="all-with-a-group-of-only-the-excluded-author",
        ),
        pytest.param(
            all_of(),
            [user(1), group(10, 1)],
            NOBODY,
            False,
            id="all-with-two-seats-held-by-one-person",
        ),
        pytest.param(
            any_of(),
            [user(AUTHOR)],
            ONLY_AUTHOR,
            False,
            id="any-where-the-only-approver-is-the-excluded-author",
        ),
        pytest.param(
            any_of(),
            [group(10, AUTHOR)],
            ONLY_AUTHOR,
            False,
            id="any-where-the-only-group-member-is-the-excluded-author",
        ),
        pytest.param(
            any_of(),
            [user(AUTHOR)],
            NOBODY,
            True,
            id="any-where-the-author-may-self-approve",
        ),
        pytest.param(
            any_of(),
            [user(AUTHOR), user(SUBMITTER)],
            frozenset({AUTHOR, SUBMITTER}),
            False,
            id="any-where-author-and-submitter-are-the-only-approvers",
        ),
        pytest.param(
            any_of(),
            [user(AUTHOR), user(2)],
            ONLY_AUTHOR,
            True,
            id="any-with-someone-besides-the-author",
        ),
        pytest.param(any_of(), [group(10)], NOBODY, False, id="any-with-empty-group"),
        pytest.param(
            quorum(2), [user(1), user(2)], NOBODY, True, id="quorum-equal-to-people"
        ),
        pytest.param(
            quorum(3), [user(1), user(2)], NOBODY, False, id="quorum-above-people"
        ),
        pytest.param(
            quorum(2),
            [user(AUTHOR), user(2)],
            ONLY_AUTHOR,
            False,
            id="quorum-above-people-once-the-author-is-excluded",
        ),
        pytest.param(
            quorum(2),
            [group(10, 1, 2)],
            NOBODY,
            True,
            id="quorum-reachable-inside-one-group",
        ),
    ],
)
def test_can_ever_pass_asks_whether_the_eligible_people_could_meet_the_rule(
    rule: StepRule, seats: Sequence[Seat], excluded: frozenset[int], possible: bool
) -> None:
    assert can_ever_pass(rule, seats, excluded) is possible


# --- request_progress -----------------------------------------------------------------

PENDING = RequestStatus.pending


@pytest.mark.parametrize(
    ("outcomes", "status", "current"),
    [
        # one step
        pytest.param([OPEN], PENDING, 0, id="open"),
        pytest.param([APPROVED], RequestStatus.approved, None, id="approved"),
        pytest.param([REJECTED], RequestStatus.rejected, None, id="rejected"),
        # two steps
        pytest.param([OPEN, OPEN], PENDING, 0, id="open-open"),
        pytest.param([OPEN, APPROVED], PENDING, 0, id="open-approved"),
        pytest.param([OPEN, REJECTED], PENDING, 0, id="open-rejected"),
        pytest.param([APPROVED, OPEN], PENDING, 1, id="approved-open"),
        pytest.param(
            [APPROVED, APPROVED], RequestStatus.approved, None, id="approved-approved"
        ),
        pytest.param(
            [APPROVED, REJECTED], RequestStatus.rejected, None, id="approved-rejected"
        ),
        pytest.param(
            [REJECTED, OPEN], RequestStatus.rejected, None, id="rejected-open"
        ),
        pytest.param(
            [REJECTED, APPROVED], RequestStatus.rejected, None, id="rejected-approved"
        ),
        pytest.param(
            [REJECTED, REJECTED], RequestStatus.rejected, None, id="rejected-rejected"
        ),
        # three steps
        pytest.param([OPEN, OPEN, OPEN], PENDING, 0, id="open-open-open"),
        pytest.param(
            [OPEN, APPROVED, APPROVED], PENDING, 0, id="open-approved-approved"
        ),
        pytest.param([OPEN, REJECTED, OPEN], PENDING, 0, id="open-rejected-open"),
        pytest.param([APPROVED, OPEN, OPEN], PENDING, 1, id="approved-open-open"),
        pytest.param(
            [APPROVED, OPEN, REJECTED], PENDING, 1, id="approved-open-rejected"
        ),
        pytest.param(
            [APPROVED, OPEN, APPROVED], PENDING, 1, id="approved-open-approved"
        ),
        pytest.param(
            [APPROVED, APPROVED, OPEN], PENDING, 2, id="approved-approved-open"
        ),
        pytest.param(
            [APPROVED, APPROVED, APPROVED],
            RequestStatus.approved,
            None,
            id="approved-approved-approved",
        ),
        pytest.param(
            [APPROVED, APPROVED, REJECTED],
            RequestStatus.rejected,
            None,
            id="approved-approved-rejected",
        ),
        pytest.param(
            [APPROVED, REJECTED, OPEN],
            RequestStatus.rejected,
            None,
            id="approved-rejected-open",
        ),
        pytest.param(
            [APPROVED, REJECTED, APPROVED],
            RequestStatus.rejected,
            None,
            id="approved-rejected-approved",
        ),
        pytest.param(
            [REJECTED, OPEN, OPEN],
            RequestStatus.rejected,
            None,
            id="rejected-open-open",
        ),
        pytest.param(
            [REJECTED, APPROVED, APPROVED],
            RequestStatus.rejected,
            None,
            id="rejected-approved-approved",
        ),
    ],
)
def test_request_progress_runs_steps_in_order(
    outcomes: Sequence[StepOutcome], status: RequestStatus, current: int | None
) -> None:
    assert request_progress(outcomes) == (status, current)


# --- can_decide -----------------------------------------------------------------------

STEP_SEATS = [user(1), group(10, 2, AUTHOR)]


@pytest.mark.parametrize(
    ("person", "status", "excluded", "decided", "refusal"),
    [
        pytest.param(1, PENDING, ONLY_AUTHOR, [], None, id="user-seat-holder-may"),
        pytest.param(2, PENDING, ONLY_AUTHOR, [], None, id="group-member-may"),
        pytest.param(
            1, PENDING, ONLY_AUTHOR, [2], None, id="someone-else-decided-already"
        ),
        pytest.param(
            AUTHOR,
            PENDING,
            NOBODY,
            [],
            None,
            id="author-may-when-self-approval-allowed",
        ),
        pytest.param(
            OUTSIDER,
            PENDING,
            ONLY_AUTHOR,
            [],
            DecideRefusal.not_a_seat_holder,
            id="non-holder",
        ),
        pytest.param(
            AUTHOR,
            PENDING,
            ONLY_AUTHOR,
            [],
            DecideRefusal.self_approval,
            id="excluded-author",
        ),
        pytest.param(
            1, PENDING, ONLY_AUTHOR, [1], DecideRefusal.already_decided, id="twice"
        ),
        pytest.param(
            OUTSIDER,
            RequestStatus.approved,
            ONLY_AUTHOR,
            [],
            DecideRefusal.not_pending,
            id="not-pending-is-checked-before-holding-a-seat",
        ),
        pytest.param(
            OUTSIDER,
            PENDING,
            frozenset({OUTSIDER}),
            [],
            DecideRefusal.not_a_seat_holder,
            id="excluded-non-holder-is-told-they-hold-no-seat",
        ),
        pytest.param(
            AUTHOR,
            PENDING,
            ONLY_AUTHOR,
            [AUTHOR],
            DecideRefusal.self_approval,
            id="exclusion-is-checked-before-having-decided",
        ),
    ],
)
def test_can_decide_names_the_first_reason_a_person_may_not_decide(
    person: int,
    status: RequestStatus,
    excluded: frozenset[int],
    decided: list[int],
    refusal: DecideRefusal | None,
) -> None:
    assert (
        can_decide(
            person=person,
            status=status,
            seats=STEP_SEATS,
            excluded=excluded,
            decided=decided,
        )
        is refusal
    )


@pytest.mark.parametrize(
    "status",
    [pytest.param(s, id=s.value) for s in RequestStatus if s is not PENDING],
)
def test_nobody_may_decide_on_a_request_that_is_not_pending(
    status: RequestStatus,
) -> None:
    refusal = can_decide(
        person=1, status=status, seats=STEP_SEATS, excluded=NOBODY, decided=[]
    )
    assert refusal is DecideRefusal.not_pending


def test_can_decide_accepts_decided_people_as_a_one_shot_iterable() -> None:
    refusal = can_decide(
        person=1,
        status=PENDING,
        seats=STEP_SEATS,
        excluded=NOBODY,
        decided=iter([2, 1]),
    )
    assert refusal is DecideRefusal.already_decided


@pytest.mark.parametrize(
    "refusal", [pytest.param(r, id=r.value) for r in DecideRefusal]
)
def test_every_refusal_has_a_sentence_for_people(refusal: DecideRefusal) -> None:
    assert REFUSALS[refusal].endswith(".")


# --- rejections_that_fail -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "quorum_n", "seat_count", "limit"),
    [
        (Rule.all, None, 1, 1),
        (Rule.all, None, 4, 1),
        (Rule.any, None, 1, 1),
        (Rule.any, None, 4, 4),
        (Rule.quorum, 1, 4, 4),
        (Rule.quorum, 3, 4, 2),
        (Rule.quorum, 4, 4, 1),
        (Rule.quorum, 5, 2, 1),  # groups supply the people; they may have just five
    ],
)
def test_rejections_that_fail_follow_the_rule_and_the_seats(
    rule: Rule, quorum_n: int | None, seat_count: int, limit: int
) -> None:
    assert rejections_that_fail(rule, quorum_n, seat_count) == limit


@pytest.mark.parametrize(
    ("rule", "quorum_n"),
    [(Rule.all, None), (Rule.any, None), (Rule.quorum, 1), (Rule.quorum, 2)],
)
@pytest.mark.parametrize("seat_count", [2, 3, 4])
def test_a_step_fails_after_exactly_that_many_rejections_whatever_min_rejections(
    rule: Rule, quorum_n: int | None, seat_count: int
) -> None:
    # The limit is the domain rule's own: one rejection fewer leaves the step open,
    # that many fail it even when min_rejections asks for more.
    limit = rejections_that_fail(rule, quorum_n, seat_count)
    seats = [user(person) for person in range(1, seat_count + 1)]
    lenient = StepRule(rule, quorum_n, seat_count + 1)
    fewer = dict.fromkeys(range(1, limit), REJECT)
    enough = dict.fromkeys(range(1, limit + 1), REJECT)
    assert step_outcome(lenient, seats, fewer) is OPEN
    assert step_outcome(lenient, seats, enough) is REJECTED


def test_a_step_whose_seats_were_all_dropped_can_never_pass() -> None:
    # Its approvers all left the space: passing it would let a removal stand in
    # for a review, whatever the rule.
    for rule in (all_of(), any_of(), quorum(1)):
        assert step_outcome(rule, [], {}) is REJECTED
        assert not can_ever_pass(rule, [], NOBODY)
