"""Asking named people to approve a page, and changing the ask while it is pending.

An ad-hoc request runs under a one-off workflow of kind `adhoc` written for it alone
(never listed, assigned or chosen), so it is an ordinary review from there on:
versions, supersede and stale, self-approval, audit, outbox, comments and analytics
all apply unchanged. Where a workflow governs the page (and the space allows it),
that workflow's steps are copied first, so asking never gets around them
(`domain.adhoc`).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from signoff.access import require_role, space_role
from signoff.actions.acting import Acting
from signoff.actions.approvals import announce_request, open_request, raise_for_verdict
from signoff.actions.assignments import assign_step, clear_step
from signoff.actions.audit import record_event
from signoff.actions.events import announce_review
from signoff.actions.locks import lock_page
from signoff.actions.reviews import adopt_definition, has_decisions
from signoff.actions.seats import settle_review
from signoff.db.models import (
    ApprovalRequest,
    Page,
    RequestStepSeat,
    Space,
    User,
    Workflow,
    WorkflowStep,
)
from signoff.domain.adhoc import (
    STEP_NAME,
    AdhocAsk,
    AdhocMode,
    adhoc_rule,
    ask_problem,
    expiry_moment,
    mode_refusal,
)
from signoff.domain.duties import excluded_deciders
from signoff.domain.errors import BadInput, Denial, InvalidState, NotAllowed
from signoff.domain.preflight import SubmitFacts, submit_blocker
from signoff.domain.states import (
    RequestStatus,
    Role,
    StaleOn,
    StepStatus,
    WorkflowKind,
)
from signoff.queries.authors import submission_authors
from signoff.queries.facts import (
    SubmitPlan,
    impassable_steps,
    latest_request,
    submit_facts,
)
from signoff.queries.readers import space_readers


def do_set_adhoc_mode(
    session: Session, space: Space, mode: AdhocMode, *, by: Acting[User | None]
) -> Space:
    """Say where the space lets editors ask for ad-hoc approvals (space admins)."""
    if by.actor is not None:
        require_role(
            session, by.actor, space.id, Role.admin, action="change space settings"
        )
    if space.adhoc_approvals == mode.value:
        return space
    before = space.adhoc_approvals
    space.adhoc_approvals = mode.value
    session.flush()
    record_event(
        session,
        "space.updated",
        f"Ad-hoc approvals in space {space.key}: {before} -> {mode.value}.",
        by=by,
        space_id=space.id,
        details={"adhocApprovals": mode.value, "was": before},
    )
    return space


def is_adhoc(session: Session, request: ApprovalRequest) -> bool:
    workflow = session.get(Workflow, request.workflow_id)
    return workflow is not None and workflow.kind == WorkflowKind.adhoc


def pending_adhoc(session: Session, page: Page) -> ApprovalRequest | None:
    """The page's pending ad-hoc request of its current version, if there is one."""
    request = latest_request(session, page)
    if (
        request is None
        or request.status != RequestStatus.pending
        or request.page_version != page.current_version
        or not is_adhoc(session, request)
    ):
        return None
    return request


def check_request_approval(session: Session, page: Page, *, actor: User) -> SubmitPlan:
    """What `do_request_approval` refuses before it reads the ask: a person below
    editor, a space that does not allow asking on this page, a review already
    pending, an approval of the current version. Writes nothing, so the byline
    offers the ask exactly where the action would take one; the plan's workflow is
    the one governing the page, if any."""
    space = session.get(Space, page.space_id)
    assert space is not None
    before = submit_facts(session, page, actor=actor, strict=True)
    if not before.facts.may_submit:
        raise_for_verdict(submit_blocker(before.facts), page, actor)
    governing = before.workflow
    refusal = mode_refusal(
        AdhocMode(space.adhoc_approvals),
        space_key=space.key,
        governing=governing.name if governing else None,
    )
    if refusal is not None:
        raise NotAllowed(
            refusal,
            denial=Denial(
                action="ask for an ad-hoc approval",
                reason=f"adhocApprovals is {space.adhoc_approvals}",
                actor_id=actor.id,
                space_id=space.id,
                page_id=page.id,
            ),
        )
    # The workflow questions (none, several, impassable) are the one-off
    # workflow's to answer; only the state of the page counts here.
    state = SubmitFacts(
        page_exists=True,
        may_submit=True,
        workflow_id=0,
        has_pending=before.facts.has_pending,
        approved_current=before.facts.approved_current,
    )
    raise_for_verdict(submit_blocker(state), page, actor)
    return before


def check_change_approval(
    session: Session, page: Page, *, actor: User
) -> ApprovalRequest:
    """The pending ad-hoc request `actor` may change: theirs, or any as a space
    admin. Raises what `do_change_approval` refuses with; writes nothing."""
    request = pending_adhoc(session, page)
    if request is None:
        raise InvalidState(
            f"No ad-hoc approval of version {page.current_version} of "
            f"'{page.title}' is pending."
        )
    role = space_role(session, actor, page.space_id)
    if actor.id != request.submitted_by and role is not Role.admin:
        raise NotAllowed(
            "Only the person who asked for this approval, or a space admin, may "
            "change it.",
            denial=Denial(
                action="change an ad-hoc approval",
                reason="neither its requester nor a space admin",
                actor_id=actor.id,
                space_id=page.space_id,
                page_id=page.id,
            ),
        )
    return request


def do_ask_approval(
    session: Session, page: Page, ask: AdhocAsk, *, by: Acting[User]
) -> tuple[ApprovalRequest, bool]:
    """Create the ad-hoc request of the page's current version, or change the one
    pending there; True when it was created (what a product-003 `PUT` does)."""
    locked = lock_page(session, page.id)
    assert locked is not None
    pending = pending_adhoc(session, locked)
    if pending is not None:
        return do_change_approval(session, locked, ask, by=by), False
    return do_request_approval(session, locked, ask, by=by), True


def do_request_approval(
    session: Session, page: Page, ask: AdhocAsk, *, by: Acting[User]
) -> ApprovalRequest:
    """Ask `ask.members` to approve the page's current version."""
    locked = lock_page(session, page.id)
    assert locked is not None
    space = session.get(Space, locked.space_id)
    assert space is not None
    before = check_request_approval(session, locked, actor=by.actor)
    governing = before.workflow
    _check_ask(session, space, ask, by=by)
    workflow = _one_off_workflow(session, space, governing, ask, by=by)
    version = before.version
    assert version is not None
    authors = submission_authors(session, locked.id, version.number)
    excluded = excluded_deciders(
        submitter_id=by.actor.id,
        authors=authors,
        allow_self_approval=workflow.allow_self_approval,
    )
    facts = SubmitFacts(
        page_exists=before.facts.page_exists,
        may_submit=before.facts.may_submit,
        workflow_id=workflow.id,
        has_pending=before.facts.has_pending,
        approved_current=before.facts.approved_current,
        impassable_steps=impassable_steps(session, workflow, excluded=excluded),
    )
    raise_for_verdict(submit_blocker(facts), locked, by.actor)
    plan = SubmitPlan(facts, workflow, version, excluded, authors)
    request = open_request(session, locked, plan, by=by, change_set=None)
    request.expires_at = expiry_moment(ask.expires_on)
    session.flush()
    announce_request(session, locked, request, plan, by=by, change_set=None)
    return request


def do_change_approval(
    session: Session, page: Page, ask: AdhocAsk, *, by: Acting[User]
) -> ApprovalRequest:
    """Change who is asked, the quorum, the title, the last day or the emails of
    the page's pending ad-hoc request. Decisions already given stand where their
    author is still asked; the review is then counted again as a decision would."""
    locked = lock_page(session, page.id)
    assert locked is not None
    request = check_change_approval(session, locked, actor=by.actor)
    space = session.get(Space, locked.space_id)
    assert space is not None
    _check_ask(session, space, ask, by=by)
    workflow = session.get(Workflow, request.workflow_id)
    assert workflow is not None
    asked = workflow.steps[-1]
    before = list(asked.approver_ids), _quorum_of(asked)
    rule, quorum = adhoc_rule(ask.quorum, len(ask.members))
    workflow.name = ask.title.strip()
    workflow.notify_requests = ask.notify_requests
    workflow.notify_status = ask.notify_status
    asked.approver_ids = list(ask.members)
    asked.rule, asked.quorum = rule.value, quorum
    workflow.revision += 1
    workflow.updated_at = by.now
    request.expires_at = expiry_moment(ask.expires_on)
    session.flush()
    if not has_decisions(session, request):
        adopt_definition(session, request, workflow)
    else:
        _reseat(session, request, ask)
        request.workflow_revision = workflow.revision
        session.flush()
    announce_review(
        session,
        "approval.changed",
        f"{by.actor.display_name} changed the ad-hoc approval of '{locked.title}' "
        f"version {request.page_version}.",
        request,
        by=by,
        details={
            "members": list(ask.members),
            "quorumSize": ask.quorum,
            "was": {"members": before[0], "quorumSize": before[1]},
            "expiryDate": ask.expires_on.isoformat() if ask.expires_on else None,
        },
    )
    if request.status == RequestStatus.pending:
        settle_review(session, locked, request, by=by)
    return request


def _quorum_of(step: WorkflowStep) -> int:
    return 0 if step.rule == "all" else step.quorum or 1


def _reseat(session: Session, request: ApprovalRequest, ask: AdhocAsk) -> None:
    """The asked step's seats become exactly `ask.members`; the step waits for the
    new people at once when it is the current one."""
    step = request.steps[-1]
    rule, quorum = adhoc_rule(ask.quorum, len(ask.members))
    step.rule, step.quorum = rule.value, quorum
    wanted = set(ask.members)
    held = {seat.user_id for seat in step.seats if seat.user_id is not None}
    gone = held - wanted
    if gone:
        session.execute(
            delete(RequestStepSeat).where(
                RequestStepSeat.step_id == step.id,
                RequestStepSeat.user_id.in_(gone),
            )
        )
        session.expire(step, ["seats"])
    step.seats.extend(
        RequestStepSeat(user_id=user_id)
        for user_id in ask.members
        if user_id not in held
    )
    session.flush()
    if step.status == StepStatus.active:
        clear_step(session, step)
        session.flush()
        assign_step(session, request, step)


def _check_ask(
    session: Session, space: Space, ask: AdhocAsk, *, by: Acting[User]
) -> None:
    problem = ask_problem(ask, today=by.now.date())
    if problem is not None:
        field, sentence = problem
        raise BadInput(sentence, field=field)
    readers = space_readers(session, space.id, ask.members)
    for user_id in ask.members:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise BadInput(f"members: no user {user_id}.", field="members")
        if user_id not in readers:
            raise BadInput(
                f"members: {user.display_name} ({user.account_id}) is not a member "
                f"of space {space.key}; add them to the space first.",
                field="members",
            )


def _one_off_workflow(
    session: Session,
    space: Space,
    governing: Workflow | None,
    ask: AdhocAsk,
    *,
    by: Acting[User],
) -> Workflow:
    """The definition the request runs under: the governing workflow's steps and
    options, if any, then one step for the people asked."""
    rule, quorum = adhoc_rule(ask.quorum, len(ask.members))
    steps = [
        WorkflowStep(
            position=index,
            name=step.name,
            rule=step.rule,
            quorum=step.quorum,
            min_rejections=step.min_rejections,
            due_days=step.due_days,
            approver_ids=list(step.approver_ids),
            group_ids=list(step.group_ids),
        )
        for index, step in enumerate(governing.steps if governing else ())
    ]
    steps.append(
        WorkflowStep(
            position=len(steps),
            name=STEP_NAME,
            rule=rule.value,
            quorum=quorum,
            min_rejections=1,
            due_days=None,
            approver_ids=list(ask.members),
            group_ids=[],
        )
    )
    workflow = Workflow(
        space_id=space.id,
        name=ask.title.strip(),
        kind=WorkflowKind.adhoc.value,
        is_active=False,
        expire_on_edit=governing.expire_on_edit if governing else True,
        stale_on=governing.stale_on if governing else StaleOn.content.value,
        allow_self_approval=governing.allow_self_approval if governing else False,
        allow_override=governing.allow_override if governing else True,
        valid_for_days=governing.valid_for_days if governing else None,
        rereview_days=governing.rereview_days if governing else None,
        revision=1,
        created_at=by.now,
        created_by=by.actor.id,
        updated_at=by.now,
        notify_requests=ask.notify_requests,
        notify_status=ask.notify_status,
        steps=steps,
    )
    session.add(workflow)
    session.flush()
    return workflow
