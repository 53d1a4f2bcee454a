"""Submitting a page for approval, withdrawing it, and recording decisions.

Decisions are counted under a lock on the page row (PostgreSQL `FOR UPDATE`; SQLite's
`BEGIN IMMEDIATE` already serialises writers), so two approvals racing for the last
seat of a quorum complete the step exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.appends import append
from signoff.actions.assignments import assign_step, clear_step, unassign
from signoff.actions.comments import (
    Approvers,
    comment_on_submission,
    reply_with_decision,
)
from signoff.actions.events import announce_review
from signoff.actions.locks import lock_page
from signoff.actions.outbox import enqueue
from signoff.actions.reviews import (
    close_request,
    due_after,
    new_request,
    snapshot_steps,
)
from signoff.actions.validate import clean_text
from signoff.db.models import (
    ApprovalRequest,
    ChangeSet,
    Decision,
    Page,
    PageVersion,
    RequestStep,
    User,
)
from signoff.domain.delegation import delegated_seat
from signoff.domain.errors import (
    BadInput,
    Denial,
    InvalidState,
    NotAllowed,
    NotFound,
    VersionConflict,
)
from signoff.domain.preflight import Blocker, Verdict, submit_blocker
from signoff.domain.rereviews import rereview_dates
from signoff.domain.states import (
    ApprovalStatus,
    DecisionKind,
    RequestStatus,
    Role,
    StaleOn,
    StepStatus,
)
from signoff.domain.steps import (
    REFUSALS,
    DecideRefusal,
    Seat,
    StepOutcome,
    can_decide,
    step_outcome,
)
from signoff.domain.versions import same_content
from signoff.queries.authors import remember_request_authors
from signoff.queries.delegations import principals_of
from signoff.queries.facts import (
    SubmitPlan,
    current_version,
    get_version,
    latest_request,
    request_exclusions,
    request_ref,
    step_deciders,
    step_rule,
    step_seats,
    submit_facts,
    version_ref,
)
from signoff.queries.page_approvals import standing_at
from signoff.queries.page_compare import review_change

MAX_COMMENT = 5000
_DECIDE = insert(cast("Table", Decision.__table__))
"""Built once: a decision is appended (`actions.appends`) and never loaded back in
its transaction."""


def check_submit_page(
    session: Session,
    page: Page | None,
    *,
    actor: User,
    strict: bool = True,
    change_set: ChangeSet | None = None,
    workflow_id: int | None = None,
    version: PageVersion | None = None,
    authors: frozenset[int] | None = None,
) -> tuple[Verdict, SubmitPlan]:
    """Preflight: may `actor` submit the page now, and if not, why. Writes nothing.

    `workflow_id` counts only where the page has no workflow of its own
    (`domain.workflow_choice`). `version` is the page's current version, and
    `authors` the authors of the content under review, when the caller has read them.
    """
    plan = submit_facts(
        session,
        page,
        actor=actor,
        strict=strict,
        change_set=change_set,
        workflow_id=workflow_id,
        version=version,
        authors=authors,
    )
    return submit_blocker(plan.facts), plan


def do_submit_page(
    session: Session,
    page: Page,
    *,
    by: Acting[User],
    strict: bool = True,
    change_set: ChangeSet | None = None,
    workflow_id: int | None = None,
) -> ApprovalRequest:
    locked = lock_page(session, page.id)
    verdict, plan = check_submit_page(
        session,
        locked,
        actor=by.actor,
        strict=strict,
        change_set=change_set,
        workflow_id=workflow_id,
    )
    raise_for_verdict(verdict, page, by.actor)
    assert locked is not None
    request = open_request(
        session,
        locked,
        plan,
        by=by,
        change_set=change_set,
    )
    session.flush()
    announce_request(
        session,
        locked,
        request,
        plan,
        by=by,
        change_set=change_set,
    )
    return request


def open_request(
    session: Session,
    page: Page,
    plan: SubmitPlan,
    *,
    by: Acting[User],
    change_set: ChangeSet | None,
) -> ApprovalRequest:
    """The request a passed preflight `plan` opens, with its steps; added, not yet
    flushed, so that a bulk submit writes all of its requests in one go."""
    workflow, version = plan.workflow, plan.version
    assert workflow is not None
    assert version is not None
    request = new_request(
        page,
        workflow,
        version,
        steps=snapshot_steps(workflow),
        submitted_by=by.actor.id,
        origin=by.origin,
        client_id=by.client_id,
        created_at=by.now,
        change_set_id=change_set.id if change_set else None,
    )
    request.steps[0].due_at = due_after(by.now, request.steps[0].due_days)
    change = review_change(session, page, version)
    request.change_from = change.base
    if change.summary is not None:
        request.change_summary = change.summary.sentence()
        request.change_words = change.summary.words
    session.add(request)
    return request


def announce_request(
    session: Session,
    page: Page,
    request: ApprovalRequest,
    plan: SubmitPlan,
    *,
    by: Acting[User],
    change_set: ChangeSet | None,
    approvers: Approvers | None = None,
) -> None:
    """Everything a stored request sets going: the page's pointer, who it waits for,
    the audit event with its notification, and the review's thread.

    `approvers` is the first step's approvers when the caller has worked them out.
    """
    workflow, version = plan.workflow, plan.version
    assert workflow is not None
    assert version is not None
    if plan.authors is not None:
        remember_request_authors(request, plan.authors)
    assign_step(session, request, request.steps[0], excluded=plan.excluded)
    page.latest_request_id = request.id
    details = {
        "workflowId": workflow.id,
        "workflow": workflow.name,
        "steps": len(workflow.steps),
    }
    _record(
        session,
        "approval.submitted",
        f"{by.actor.display_name} submitted '{page.title}' version {version.number} "
        f"for approval ({workflow.name}).",
        request,
        by=by,
        details=details,
    )
    comment_on_submission(
        session,
        request,
        submitter=by.actor,
        change_set=change_set,
        now=by.now,
        approvers=approvers,
    )


def refusal_text(verdict: Verdict, page_id: int | str) -> str:
    """Why a page may not be submitted, as its refusal says it (without the stop)."""
    if verdict.blocker is Blocker.page_missing:
        return f"Page {page_id} not found"
    return verdict.reason or "Cannot submit"


def raise_for_verdict(verdict: Verdict, page: Page, actor: User) -> None:
    if verdict.blocker is None:
        return
    reason = refusal_text(verdict, page.id)
    if verdict.blocker is Blocker.page_missing:
        raise NotFound(f"{reason}.")
    if verdict.blocker is Blocker.no_permission:
        raise NotAllowed(
            f"{reason}.",
            denial=Denial(
                action="submit pages",
                reason="role below editor",
                actor_id=actor.id,
                space_id=page.space_id,
                page_id=page.id,
            ),
        )
    raise InvalidState(f"{reason}.")


def _pending_request(session: Session, page: Page) -> ApprovalRequest:
    request = latest_request(session, page)
    if request is None or request.status != RequestStatus.pending:
        raise InvalidState(f"No approval is pending for page '{page.title}'.")
    return request


def check_cancel_request(
    session: Session, page: Page, *, actor: User
) -> ApprovalRequest:
    """The pending review `actor` may withdraw: theirs, or any as a space admin.

    Raises what `do_cancel_request` refuses with (`InvalidState` when nothing is
    pending, `NotAllowed` for anyone else); writes nothing, so the byline offers
    `Withdraw` exactly when the action would take it.
    """
    request = _pending_request(session, page)
    if request.submitted_by != actor.id:
        require_role(
            session,
            actor,
            page.space_id,
            Role.admin,
            action="withdraw another person's submission",
            page_id=page.id,
        )
    return request


def do_cancel_request(
    session: Session,
    page: Page,
    *,
    by: Acting[User],
) -> ApprovalRequest:
    """The submitter (or a space admin) withdraws the pending review."""
    locked = lock_page(session, page.id)
    assert locked is not None
    request = check_cancel_request(session, locked, actor=by.actor)
    close_request(session, request, RequestStatus.cancelled, now=by.now)
    _record(
        session,
        "approval.cancelled",
        f"{by.actor.display_name} withdrew the review of '{locked.title}' "
        f"version {request.page_version}.",
        request,
        by=by,
    )
    return request


def do_reset_approval(
    session: Session,
    page: Page,
    *,
    by: Acting[User],
) -> ApprovalRequest:
    """A space admin returns a decided page to Draft.

    The finished review keeps its outcome in the history and the audit trail; the page
    simply no longer stands on it, so it must be submitted again to count as approved.
    A pending review is withdrawn instead (`do_cancel_request`).
    """
    locked = lock_page(session, page.id)
    assert locked is not None
    require_role(
        session,
        by.actor,
        locked.space_id,
        Role.admin,
        action="reset a page's approval",
        page_id=locked.id,
    )
    standing = standing_at(session, locked, current_version(session, locked))
    if not standing.resettable:
        raise InvalidState(
            f"'{locked.title}' has no approval or rejection to reset."
            + (
                " Withdraw the pending review instead."
                if standing.approval_status is ApprovalStatus.pending
                else ""
            )
        )
    # The review the page stands on: its approval, or the rejection that decided it.
    approved = standing.approval_status is ApprovalStatus.approved
    stands_on = (locked.approved_request_id if approved else None) or (
        locked.latest_request_id
    )
    assert stands_on is not None, "a decided page has the review it stands on"
    request = session.get_one(ApprovalRequest, stands_on)
    locked.latest_request_id = None
    locked.approved_request_id = locked.approved_version = None
    session.flush()
    _record(
        session,
        "approval.reset",
        f"{by.actor.display_name} reset the {request.status} review of "
        f"'{locked.title}' version {request.page_version}; the page is a draft again.",
        request,
        by=by,
        details={"previousStatus": request.status},
    )
    return request


def do_record_decision(
    session: Session,
    page: Page,
    kind: DecisionKind,
    *,
    version: int,
    comment: str | None,
    by: Acting[User],
) -> ApprovalRequest:
    """Record one approver's decision on the current step at `version`, then advance.

    Neither the submitter nor anyone who wrote the content under review may decide,
    unless the workflow allows self-approval (`domain.duties`); who that is is read
    once, in one statement, and serves the refusal, the count and the next step.
    """
    locked = lock_page(session, page.id)
    assert locked is not None
    require_role(
        session,
        by.actor,
        locked.space_id,
        Role.viewer,
        action="decide on approvals",
        page_id=locked.id,
    )
    text = decision_comment(comment, kind)
    request = _pending_request(session, locked)
    check_review_version(session, locked, request, version)
    step, seats, decided, excluded, holder = _decider(
        session, request, locked, by.actor, now=by.now
    )
    append(
        session,
        _DECIDE,
        {
            "request_id": request.id,
            "step_id": step.id,
            "approver_id": by.actor.id,
            "kind": kind.value,
            "comment": text,
            "page_version": version,
            "content_hash": request.content_hash,
            "origin": by.origin.value,
            "client_id": by.client_id,
            "created_at": by.now,
            "on_behalf_of": holder.id if holder else None,
        },
    )
    seat = holder or by.actor
    decided[seat.id] = kind
    verb = "approved" if kind is DecisionKind.approve else "rejected"
    details: dict[str, object] = {
        "decision": kind.value,
        "step": step.name,
        "comment": text,
    }
    if holder is not None:
        details["onBehalfOf"] = holder.account_id
    _record(
        session,
        "approval.decided",
        f"{decider_name(by.actor, holder)} {verb} '{locked.title}' version "
        f"{version} at step '{step.name}'.",
        request,
        by=by,
        details=details,
    )
    outcome = step_outcome(step_rule(step), seats, decided, excluded)
    if outcome is StepOutcome.open:
        unassign(session, step, seat.id)
    else:
        _complete_step(
            session,
            locked,
            request,
            step,
            outcome,
            by=by,
            excluded=excluded,
        )
    reply_with_decision(
        session, request, step, approver=by.actor, kind=kind, comment=text, now=by.now
    )
    return request


def decision_comment(comment: str | None, kind: DecisionKind) -> str:
    """A decision's comment, cleaned; a rejection must say why. Every way of deciding
    (one page, a change set, a selection from the queue) checks it the same way."""
    text = clean_text(
        comment or "",
        field="comment",
        max_length=MAX_COMMENT,
        required=False,
        multiline=True,
    )
    if kind is DecisionKind.reject and not text:
        raise BadInput("A rejection needs a comment saying why.", field="comment")
    return text


def decider_name(actor: User, holder: User | None) -> str:
    """Who decided, as people read it: "Dana", or "Dana for Bob" for a delegate."""
    if holder is None:
        return actor.display_name
    return f"{actor.display_name} for {holder.display_name}"


def check_record_decision(
    session: Session, page: Page, *, actor: User, now: datetime | None = None
) -> None:
    """Whether `actor` may decide on the page's current step now.

    Raises what `do_record_decision` refuses a person with (their role, no pending
    review, no seat, authorship, a decision already made), through the same code;
    writes nothing. The version named and the comment are the decision's own, and
    checked when it is made. The byline offers `Approve` and `Reject` only when this
    passes. Given `now`, a delegate may decide for a seat holder whose delegation
    is active then; without it, only seat holders in their own seats.
    """
    require_role(
        session,
        actor,
        page.space_id,
        Role.viewer,
        action="decide on approvals",
        page_id=page.id,
    )
    _decider(session, _pending_request(session, page), page, actor, now=now)


def _decider(
    session: Session,
    request: ApprovalRequest,
    page: Page,
    actor: User,
    *,
    now: datetime | None,
) -> tuple[
    RequestStep, list[Seat], dict[int, DecisionKind], frozenset[int], User | None
]:
    """The current step, its seats, its decisions so far (by seat holder), who may
    never decide, and the seat holder `actor` decides for as their delegate (None:
    in their own seat), once `actor` may decide on it now; else the refusal.

    A delegate's decision is stored with `approver_id` the delegate who acted and
    `on_behalf_of` the holder, and counted as the holder's: the seat is the holder's
    (the workflow named them, and `all` waits for their seat), while the record
    keeps who actually decided. Delegations are read only for someone without a
    seat of their own, so a seat holder's decision costs no extra statement.
    """
    step = request.steps[request.current_step or 0]
    seats = step_seats(session, step)
    decided, actors = step_deciders(session, step)
    excluded = request_exclusions(request)
    status = RequestStatus(request.status)
    refusal = can_decide(
        person=actor.id,
        status=status,
        seats=seats,
        excluded=excluded,
        decided=decided,
    )
    holder_id = None
    if refusal is DecideRefusal.not_a_seat_holder and now is not None:
        holder_id, refusal = delegated_seat(
            person=actor.id,
            status=status,
            seats=seats,
            excluded=excluded,
            decided=decided,
            actors=actors,
            principals=principals_of(session, actor.id, now),
        )
    _raise_refusal(refusal, page, actor)
    holder = session.get_one(User, holder_id) if holder_id is not None else None
    return step, seats, decided, excluded, holder


def check_review_version(
    session: Session, page: Page, request: ApprovalRequest, version: int
) -> None:
    """A decision, or an override, must name the version under review (or, by
    content, its equal): it settles that review and no other."""
    if version == request.page_version:
        return
    named = get_version(session, page.id, version)
    if named is not None and same_content(
        request_ref(request), version_ref(named), StaleOn(request.stale_on)
    ):
        return
    raise VersionConflict(
        f"The review covers version {request.page_version} of '{page.title}', "
        f"not version {version}.",
        expected=request.page_version,
        given=version,
    )


def _raise_refusal(refusal: DecideRefusal | None, page: Page, actor: User) -> None:
    if refusal is None:
        return
    message = REFUSALS[refusal]
    if refusal in (DecideRefusal.not_a_seat_holder, DecideRefusal.self_approval):
        raise NotAllowed(
            message,
            denial=Denial(
                action="decide on approvals",
                reason=refusal.value,
                actor_id=actor.id,
                space_id=page.space_id,
                page_id=page.id,
            ),
        )
    raise InvalidState(message)


def complete_step(
    session: Session,
    page: Page,
    request: ApprovalRequest,
    step: RequestStep,
    outcome: StepOutcome,
    *,
    by: Acting[User | None],
) -> None:
    """Settle a step whose outcome changed without a decision (its seats changed:
    a holder left the space), exactly as a decision settles it. The caller holds the
    page's lock (`lock_page`)."""
    _complete_step(
        session,
        page,
        request,
        step,
        outcome,
        by=by,
    )


def _complete_step(
    session: Session,
    page: Page,
    request: ApprovalRequest,
    step: RequestStep,
    outcome: StepOutcome,
    *,
    by: Acting[User | None],
    excluded: frozenset[int] | None = None,
) -> None:
    """Record `step`'s outcome and move the review on: to the next step (which waits
    for its seat holders less `excluded`, the request's exclusions when the caller
    has them), or to its end."""
    step.status = (
        StepStatus.approved if outcome is StepOutcome.approved else StepStatus.rejected
    )
    step.completed_at = by.now
    _record(
        session,
        "approval.step_completed",
        f"Step '{step.name}' of the review of '{page.title}' was {step.status}.",
        request,
        details={"step": step.name, "outcome": step.status},
        by=by,
    )
    if outcome is StepOutcome.rejected:
        close_request(session, request, RequestStatus.rejected, now=by.now)
        _record(
            session,
            "approval.rejected",
            f"'{page.title}' version {request.page_version} was rejected.",
            request,
            by=by,
        )
        return
    following = step.position + 1
    if following < len(request.steps):
        clear_step(session, step)  # the other paths end the request, which clears it
        request.current_step = following
        request.steps[following].status = StepStatus.active
        request.steps[following].due_at = due_after(
            by.now, request.steps[following].due_days
        )
        session.flush()
        assign_step(session, request, request.steps[following], excluded=excluded)
        enqueue(
            session,
            "approval.step_started",
            {
                "pageId": page.id,
                "requestId": request.id,
                "step": request.steps[following].name,
            },
            now=by.now,
            space_id=page.space_id,
        )
        return
    close_request(session, request, RequestStatus.approved, now=by.now)
    if request.valid_for_days is not None:
        lapses = by.now + timedelta(days=request.valid_for_days)
        # An ad-hoc request's last day, set when it was asked, is kept if earlier.
        if request.expires_at is None or lapses < request.expires_at:
            request.expires_at = lapses
    # Periodic re-review (`actions.rereviews`): unlike expiry, the approval stays.
    request.rereview_due_at, request.rereview_remind_at = rereview_dates(
        by.now, request.rereview_days
    )
    page.approved_request_id = request.id
    page.approved_version = request.page_version
    _record(
        session,
        "approval.approved",
        f"'{page.title}' version {request.page_version} was approved.",
        request,
        by=by,
    )


def _record(
    session: Session,
    action: str,
    text: str,
    request: ApprovalRequest,
    *,
    by: Acting[User | None],
    details: dict[str, object] | None = None,
) -> None:
    """Audit a review event and queue its notification, in one go."""
    announce_review(session, action, text, request, by=by, details=details)
