"""How a step's decisions add up, and how a request moves through its steps.

A step has seats: each named user is a seat, and each named group is one seat that any
one member may fill. The rule says how many seats must be filled; `min_rejections`
says how many rejections fail the step. A step also fails as soon as the approvals
still possible can no longer meet the rule, so nobody waits on a review that cannot
pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from signoff.domain.states import DecisionKind, RequestStatus, Rule


@dataclass(frozen=True)
class Seat:
    """One place to fill on a step: `key` names it ("user:7", "group:3")."""

    key: str
    holders: frozenset[int]


@dataclass(frozen=True)
class StepRule:
    rule: Rule
    quorum: int | None
    min_rejections: int

    def approvals_needed(self, seat_count: int) -> int:
        """How many distinct approvers the rule needs (seats, for `all`)."""
        if self.rule is Rule.all:
            return seat_count
        if self.rule is Rule.any:
            return 1
        return self.quorum or 1


def rejections_that_fail(rule: Rule, quorum: int | None, seat_count: int) -> int:
    """How many rejections always fail a step by its rule alone: the most
    `min_rejections` can usefully be.

    Each seat counts as one person here. A group seat may have a single member able
    to decide (membership changes, and the submitter and author are left out), so
    one rejection can empty it. With s seats and a rule needing n approvals, s - n + 1
    rejections leave too few people to reach n: `all` (n = s) allows 1, `any`
    (n = 1) allows s, `quorum n` allows s - n + 1. A quorum larger than the seats
    (groups supply the people) allows 1, since its groups may have just n members.
    """
    needed = StepRule(rule, quorum, 1).approvals_needed(seat_count)
    return max(seat_count, needed) - needed + 1


class StepOutcome(StrEnum):
    open = "open"
    approved = "approved"
    rejected = "rejected"


def eligible_holders(seats: Iterable[Seat], excluded: frozenset[int]) -> frozenset[int]:
    """Everyone who may decide on the step: seat holders who are not excluded."""
    holders: set[int] = set()
    for seat in seats:
        holders |= seat.holders
    return frozenset(holders - excluded)


def filled_seats(seats: Sequence[Seat], approvers: Iterable[int]) -> int:
    """The most seats that distinct approvers can fill (a bipartite matching).

    One person fills at most one seat: a reviewer named directly and also in a named
    group does not count twice towards `all`.
    """
    approver_set = set(approvers)
    seat_of: dict[int, int] = {}

    def place(seat_index: int, tried: set[int]) -> bool:
        for person in seats[seat_index].holders & approver_set:
            if person in tried:
                continue
            tried.add(person)
            if person not in seat_of or place(seat_of[person], tried):
                seat_of[person] = seat_index
                return True
        return False

    return sum(1 for index in range(len(seats)) if place(index, set()))


def step_outcome(
    rule: StepRule,
    seats: Sequence[Seat],
    decisions: Mapping[int, DecisionKind],
    excluded: frozenset[int] = frozenset(),
) -> StepOutcome:
    """The outcome of one step given each person's decision on it.

    Decisions from people who hold no seat, or who are excluded, do not count: the
    actions never record them, and this keeps the rule honest if one slips in.
    """
    eligible = eligible_holders(seats, excluded)
    counted = {person: kind for person, kind in decisions.items() if person in eligible}
    approvers = {p for p, kind in counted.items() if kind is DecisionKind.approve}
    rejections = len(counted) - len(approvers)
    if rejections >= rule.min_rejections:
        return StepOutcome.rejected
    if _is_met(rule, seats, approvers):
        return StepOutcome.approved
    still_possible = approvers | (eligible - counted.keys())
    if not _is_met(rule, seats, still_possible):
        return StepOutcome.rejected
    return StepOutcome.open


def _is_met(rule: StepRule, seats: Sequence[Seat], approvers: set[int]) -> bool:
    if not seats:
        # Every seat was dropped (their holders left the space): nobody can approve,
        # and passing would let a removal stand in for a review.
        return False
    if rule.rule is Rule.all:
        return filled_seats(seats, approvers) == len(seats)
    return len(approvers) >= rule.approvals_needed(len(seats))


def can_ever_pass(
    rule: StepRule, seats: Sequence[Seat], excluded: frozenset[int]
) -> bool:
    """Whether the step could pass at all with the people who may decide on it."""
    return _is_met(rule, seats, set(eligible_holders(seats, excluded)))


def request_progress(
    outcomes: Sequence[StepOutcome],
) -> tuple[RequestStatus, int | None]:
    """The request's status and the index of its current step, from step outcomes.

    Steps run in order: the first step not yet approved is current; a failed step
    ends the request as rejected; when every step passed, the request is approved.
    """
    for index, outcome in enumerate(outcomes):
        if outcome is StepOutcome.rejected:
            return RequestStatus.rejected, None
        if outcome is StepOutcome.open:
            return RequestStatus.pending, index
    return RequestStatus.approved, None


class DecideRefusal(StrEnum):
    """Why a person may not decide on the current step (sentences in `REFUSALS`)."""

    not_pending = "not_pending"
    not_a_seat_holder = "not_a_seat_holder"
    self_approval = "self_approval"
    already_decided = "already_decided"


REFUSALS: Mapping[DecideRefusal, str] = {
    DecideRefusal.not_pending: "The approval request is no longer pending.",
    DecideRefusal.not_a_seat_holder: "You are not an approver of the current step.",
    DecideRefusal.self_approval: (
        "Authors and submitters cannot approve their own submission."
    ),
    DecideRefusal.already_decided: "You have already decided on this step.",
}


def can_decide(
    *,
    person: int,
    status: RequestStatus,
    seats: Sequence[Seat],
    excluded: frozenset[int],
    decided: Iterable[int],
) -> DecideRefusal | None:
    """None when `person` may decide on the current step now, else the reason."""
    if status is not RequestStatus.pending:
        return DecideRefusal.not_pending
    if not any(person in seat.holders for seat in seats):
        return DecideRefusal.not_a_seat_holder
    if person in excluded:
        return DecideRefusal.self_approval
    if person in set(decided):
        return DecideRefusal.already_decided
    return None
