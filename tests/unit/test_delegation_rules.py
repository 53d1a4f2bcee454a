"""The pure rules of delegation: which ranges and people a delegation may name, and
whose seat a delegate decides in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from signoff.domain.delegation import (
    DelegationRefusal,
    Span,
    delegated_seat,
    delegation_refusal,
)
from signoff.domain.states import RequestStatus
from signoff.domain.steps import DecideRefusal, Seat

BOB, DANA, CAROL, ANN = 1, 2, 3, 4
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
WEEK = timedelta(days=7)
SEATS = [Seat("user:1", frozenset({BOB})), Seat("user:3", frozenset({CAROL}))]


def _refusal(
    *,
    person: int = BOB,
    delegate: int = DANA,
    starts: datetime = MONDAY,
    ends: datetime = MONDAY + WEEK,
    live: tuple[Span, ...] = (),
    active: bool = True,
) -> DelegationRefusal | None:
    return delegation_refusal(
        person=person, delegate=delegate, delegate_active=active,
        starts=starts, ends=ends, live=live,
    )  # fmt: skip


def test_a_week_away_with_another_active_person_is_allowed() -> None:
    assert _refusal() is None


@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        ({"ends": MONDAY}, DelegationRefusal.empty_range),
        ({"ends": MONDAY + timedelta(days=91)}, DelegationRefusal.too_long),
        ({"delegate": BOB}, DelegationRefusal.to_self),
        ({"active": False}, DelegationRefusal.inactive_delegate),
        ({"live": (Span(BOB, CAROL, MONDAY + WEEK / 2, MONDAY + 2 * WEEK),)},
         DelegationRefusal.overlaps),
        ({"live": (Span(DANA, CAROL, MONDAY, MONDAY + WEEK),)},
         DelegationRefusal.chain),
        ({"live": (Span(ANN, BOB, MONDAY, MONDAY + WEEK),)}, DelegationRefusal.chain),
    ],
)  # fmt: skip
def test_a_delegation_breaking_a_rule_is_refused(
    options: dict[str, object], refusal: DelegationRefusal
) -> None:
    assert _refusal(**options) is refusal  # type: ignore[arg-type]


def test_a_delegation_right_after_another_does_not_overlap() -> None:
    earlier = Span(BOB, CAROL, MONDAY - WEEK, MONDAY)  # ends exclusive
    assert _refusal(live=(earlier,)) is None


def _seat(
    person: int = DANA,
    *,
    decided: tuple[int, ...] = (),
    actors: tuple[int, ...] = (),
    excluded: frozenset[int] = frozenset(),
    principals: tuple[int, ...] = (BOB,),
) -> tuple[int | None, DecideRefusal | None]:
    return delegated_seat(
        person=person, status=RequestStatus.pending, seats=SEATS, excluded=excluded,
        decided=decided, actors=actors, principals=principals,
    )  # fmt: skip


def test_a_delegate_without_a_seat_decides_in_the_holders_seat() -> None:
    assert _seat() == (BOB, None)


def test_a_seat_holder_decides_in_their_own_seat_even_as_a_delegate() -> None:
    assert _seat(CAROL) == (None, None)
    assert _seat(CAROL, decided=(CAROL,), actors=(CAROL,)) == (
        None,
        DecideRefusal.already_decided,
    )


@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        ({"principals": ()}, DecideRefusal.not_a_seat_holder),
        ({"principals": (ANN,)}, DecideRefusal.not_a_seat_holder),
        ({"excluded": frozenset({DANA})}, DecideRefusal.self_approval),
        ({"excluded": frozenset({BOB})}, DecideRefusal.self_approval),
        ({"decided": (BOB,), "actors": (BOB,)}, DecideRefusal.already_decided),
    ],
)
def test_a_delegate_is_refused_where_the_seat_is_closed_to_them(
    options: dict[str, object], refusal: DecideRefusal
) -> None:
    assert _seat(**options) == (None, refusal)  # type: ignore[arg-type]
