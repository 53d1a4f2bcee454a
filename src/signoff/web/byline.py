"""Which byline buttons a person sees on a page: those its actions would accept now.

Each button asks the action's own check (`check_submit_page`, `check_record_decision`,
`check_cancel_request`, `check_request_approval`, `check_change_approval`,
`check_override_review`), so the
page never offers what the action then refuses, and never hides what it would take.
The checks read and never write; a refusal they raise here is only the reason a
button is not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from signoff.access import space_role
from signoff.actions.adhoc import check_change_approval, check_request_approval
from signoff.actions.approvals import (
    check_cancel_request,
    check_record_decision,
    check_submit_page,
)
from signoff.actions.claims import check_claim_review
from signoff.actions.overrides import check_override_review
from signoff.connectors import source_of
from signoff.db.models import Page, User
from signoff.domain.errors import InvalidState, NotAllowed
from signoff.domain.preflight import Blocker
from signoff.domain.states import Role
from signoff.queries.adhoc_asks import PendingAsk, ask_people, pending_ask
from signoff.queries.claims import ClaimView, live_claim
from signoff.queries.facts import page_workflow_choices
from signoff.queries.page_screen import named_workflows


@dataclass(frozen=True)
class AskOffer:
    """The ad-hoc form a person may use: to ask named people, or, when `pending`
    is set, to change the ask pending on the page (prefilled from it)."""

    people: tuple[tuple[int, str], ...]
    pending: PendingAsk | None = None


@dataclass(frozen=True)
class Buttons:
    """Which byline buttons a person sees; `workflows` fills the picker when set."""

    request_approval: bool = False
    workflows: tuple[tuple[int, str], ...] = ()
    decide: bool = False
    withdraw: bool = False
    edit: bool = False
    ask: AskOffer | None = None
    """The `Request approval from…` or `Change request` form, where it is offered."""
    override: bool = False
    """The `Override review` form: a space admin may force the pending review."""
    claim: bool = False
    """`Claim review`: the person may decide, and nobody else holds a live claim."""
    release_claim: bool = False
    """`Release claim`: the live claim is the person's own."""
    claimed: ClaimView | None = None
    """The live claim on the pending review, shown as "Claimed by NAME until TIME"."""


def byline_buttons(
    session: Session, page: Page, user: User, *, now: datetime | None = None
) -> Buttons:
    """The buttons `user` may use on `page` now, by the checks the actions apply;
    the claim's buttons and line only when the caller says what `now` is."""
    role = space_role(session, user, page.space_id)
    if role is None:
        return Buttons()
    request_approval, workflows = _request_approval(session, page, user)
    claimed = live_claim(session, page, now) if now is not None else None
    mine = claimed is not None and claimed.user_id == user.id
    return Buttons(
        claim=now is not None
        and not mine
        and _passes(lambda: check_claim_review(session, page, actor=user, now=now)),
        release_claim=mine,
        claimed=claimed,
        request_approval=request_approval,
        workflows=workflows,
        decide=may_decide(session, page, user, now=now),
        withdraw=_passes(lambda: check_cancel_request(session, page, actor=user)),
        edit=role.includes(Role.editor) and source_of(page).edit_refusal(page) is None,
        ask=_ask_offer(session, page, user),
        override=_passes(lambda: check_override_review(session, page, actor=user)),
    )


def may_decide(
    session: Session, page: Page, user: User, *, now: datetime | None = None
) -> bool:
    """Whether `user` may approve or reject `page` now: the byline's Approve and
    Reject, and the change-set review page's, by `check_record_decision` (as a
    delegate too, when the caller says what `now` is)."""
    return _passes(lambda: check_record_decision(session, page, actor=user, now=now))


def _ask_offer(session: Session, page: Page, user: User) -> AskOffer | None:
    """The ad-hoc form `user` may use on `page`: a new ask where the space allows
    one, else a change of the pending ask for its requester or a space admin."""
    if _passes(lambda: check_request_approval(session, page, actor=user)):
        return AskOffer(tuple(ask_people(session, page.space_id)))
    try:
        request = check_change_approval(session, page, actor=user)
    except (InvalidState, NotAllowed):
        return None
    pending = pending_ask(session, request)
    people = ask_people(session, page.space_id, pending.members)
    return AskOffer(tuple(people), pending)


def _request_approval(
    session: Session, page: Page, user: User
) -> tuple[bool, tuple[tuple[int, str], ...]]:
    """Whether submit would take the page now, and the workflows to choose among.

    Where the page has no workflow of its own and several are active, submit needs
    a choice: the picker lists each workflow a submission under it would pass.
    """
    verdict, _plan = check_submit_page(session, page, actor=user)
    if verdict.blocker is not Blocker.ambiguous_workflow:
        return verdict.can_submit, ()
    allowed = [
        workflow_id
        for workflow_id in page_workflow_choices(session, page)
        if check_submit_page(session, page, actor=user, workflow_id=workflow_id)[
            0
        ].can_submit
    ]
    workflows = tuple(named_workflows(session, allowed))
    return bool(workflows), workflows


def _passes(check: Callable[[], object]) -> bool:
    """Whether `check` returns without refusing."""
    try:
        check()
    except (InvalidState, NotAllowed):
        return False
    return True
