"""Delegation: while a person is away, someone they name decides in their place.

A delegation covers `[starts, ends)` in UTC. Setting one is checked here
(`delegation_refusal`); deciding through one too (`delegated_seat`), under the same
separation of duties as any decision: nobody approves their own work, and no person
counts twice in one step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from signoff.domain.states import RequestStatus
from signoff.domain.steps import DecideRefusal, Seat, can_decide

MAX_LENGTH = timedelta(days=90)


@dataclass(frozen=True)
class Span:
    """One live (not revoked) delegation: `person` away, `delegate` deciding."""

    person: int
    delegate: int
    starts: datetime
    ends: datetime

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        return self.starts < ends and starts < self.ends

    def covers(self, moment: datetime) -> bool:
        return self.starts <= moment < self.ends


class DelegationRefusal(StrEnum):
    """Why a delegation may not be set (sentences in `DELEGATION_REFUSALS`)."""

    empty_range = "empty_range"
    too_long = "too_long"
    to_self = "to_self"
    inactive_delegate = "inactive_delegate"
    overlaps = "overlaps"
    chain = "chain"


DELEGATION_REFUSALS = {
    DelegationRefusal.empty_range: "The delegation must end after it starts.",
    DelegationRefusal.too_long: "A delegation lasts at most 90 days.",
    DelegationRefusal.to_self: "A person cannot be their own delegate.",
    DelegationRefusal.inactive_delegate: "The delegate must be an active user.",
    DelegationRefusal.overlaps: (
        "That person already has a delegation overlapping these dates."
    ),
    DelegationRefusal.chain: (
        "A delegate cannot delegate in turn: one of the two is already away or "
        "deciding for someone on these dates."
    ),
}


def delegation_refusal(
    *,
    person: int,
    delegate: int,
    delegate_active: bool,
    starts: datetime,
    ends: datetime,
    live: Iterable[Span],
) -> DelegationRefusal | None:
    """None when `person` may name `delegate` for `[starts, ends)`, else why.

    `live` is every live delegation touching either person. A range is refused when
    it overlaps another of the person's, and when it would make a chain: the
    delegate is away themselves then, or the person decides for someone else then.
    A chain is refused rather than followed, so who decided for whom stays one hop.
    """
    if starts >= ends:
        return DelegationRefusal.empty_range
    if ends - starts > MAX_LENGTH:
        return DelegationRefusal.too_long
    if person == delegate:
        return DelegationRefusal.to_self
    if not delegate_active:
        return DelegationRefusal.inactive_delegate
    touching = [span for span in live if span.overlaps(starts, ends)]
    if any(span.person == person for span in touching):
        return DelegationRefusal.overlaps
    if any(span.person == delegate or span.delegate == person for span in touching):
        return DelegationRefusal.chain
    return None


def delegated_seat(
    *,
    person: int,
    status: RequestStatus,
    seats: Sequence[Seat],
    excluded: frozenset[int],
    decided: Iterable[int],
    actors: Iterable[int],
    principals: Iterable[int],
) -> tuple[int | None, DecideRefusal | None]:
    """Whose seat `person` decides in now: `(None, None)` their own, `(holder,
    None)` a seat holder's as their delegate, or `(None, refusal)`.

    `decided` names the seat holders who decided (a delegate's decision counts as
    the holder's), `actors` the people who acted on the step, `principals` the
    people whose delegation to `person` is active now. A person with a seat of
    their own decides only in it; else in the seat of a principal who holds one and
    has not decided. Neither the delegate nor the holder may be excluded (author
    or submitter), and a person who acted on the step may not act again, so no
    person counts twice in one step.
    """
    own = can_decide(
        person=person, status=status, seats=seats, excluded=excluded, decided=decided
    )
    if own is not DecideRefusal.not_a_seat_holder:
        return None, own
    holders = sorted(p for p in set(principals) if any(p in s.holders for s in seats))
    if not holders:
        return None, DecideRefusal.not_a_seat_holder
    if person in excluded:
        return None, DecideRefusal.self_approval
    if person in set(actors):
        return None, DecideRefusal.already_decided
    done = set(decided)
    open_seats = [p for p in holders if p not in done]
    if not open_seats:
        return None, DecideRefusal.already_decided
    allowed = [p for p in open_seats if p not in excluded]
    if not allowed:
        return None, DecideRefusal.self_approval
    return allowed[0], None
