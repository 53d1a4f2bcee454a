"""Facts about pages and reviews that actions and read models both need.

Actions import these to decide; queries import them to report; so a rule's inputs are
gathered one way only, and preflight can never disagree with submit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session, joinedload, object_session

from signoff.access import space_role
from signoff.db.models import (
    ApprovalRequest,
    ChangeSet,
    Decision,
    GroupMember,
    Page,
    PageVersion,
    RequestStep,
    Space,
    User,
    Workflow,
    WorkflowStep,
)
from signoff.domain.duties import excluded_deciders
from signoff.domain.preflight import SubmitFacts
from signoff.domain.states import (
    ChangeSetStatus,
    DecisionKind,
    RequestStatus,
    Role,
    Rule,
)
from signoff.domain.steps import Seat, StepRule, can_ever_pass
from signoff.domain.versions import VersionRef
from signoff.domain.workflow_choice import (
    WorkflowChoice,
    choose_workflow,
    workflow_choices,
)
from signoff.domain.workflows import Resolution, resolve_workflow
from signoff.queries.authors import request_authors, submission_authors
from signoff.queries.page_approvals import standing_at
from signoff.queries.readers import space_readers

_VERSION = select(PageVersion).where(
    PageVersion.page_id == bindparam("page_id", type_=Integer),
    PageVersion.number == bindparam("number", type_=Integer),
)
"""Built once: every submission and decision reads a version."""


def get_version(session: Session, page_id: int, number: int) -> PageVersion | None:
    return session.scalar(_VERSION, {"page_id": page_id, "number": number})


def current_version(session: Session, page: Page) -> PageVersion:
    version = get_version(session, page.id, page.current_version)
    assert version is not None, "a page always has its current version"
    return version


def version_ref(version: PageVersion) -> VersionRef:
    return VersionRef(version.number, version.content_hash)


def request_ref(request: ApprovalRequest) -> VersionRef:
    return VersionRef(request.page_version, request.content_hash)


def group_holders(session: Session, group_ids: Iterable[int]) -> dict[int, set[int]]:
    wanted = set(group_ids)
    holders: dict[int, set[int]] = {group_id: set() for group_id in wanted}
    if wanted:
        rows = session.execute(
            select(GroupMember.group_id, GroupMember.user_id).where(
                GroupMember.group_id.in_(wanted)
            )
        )
        for group_id, user_id in rows:
            holders[group_id].add(user_id)
    return holders


def seats_of(
    session: Session,
    user_ids: Sequence[int],
    group_ids: Sequence[int],
    *,
    space_id: int,
) -> list[Seat]:
    """Seats for named users and groups, held only by people who may read the space.

    A named user who may not (removed from the space since) has no seat: the step
    counts without them, as when their seat is dropped. A group's seat is held by
    its current members who may read the space, so it can end up empty.
    """
    members = group_holders(session, group_ids)
    return _seats(
        user_ids, group_ids, members, _readers(session, space_id, members, user_ids)
    )


def _readers(
    session: Session,
    space_id: int,
    members: dict[int, set[int]],
    user_ids: Iterable[int],
) -> frozenset[int]:
    """Of the named users and the groups' `members`, who may read the space."""
    everyone = {*user_ids, *(person for held in members.values() for person in held)}
    return space_readers(session, space_id, everyone)


def _seats(
    user_ids: Sequence[int],
    group_ids: Sequence[int],
    members: dict[int, set[int]],
    readers: frozenset[int],
) -> list[Seat]:
    seats = [
        Seat(f"user:{user_id}", frozenset({user_id}))
        for user_id in user_ids
        if user_id in readers
    ]
    seats += [
        Seat(f"group:{gid}", frozenset(members[gid] & readers)) for gid in group_ids
    ]
    return seats


def step_seats(session: Session, step: RequestStep) -> list[Seat]:
    users = [seat.user_id for seat in step.seats if seat.user_id is not None]
    groups = [seat.group_id for seat in step.seats if seat.group_id is not None]
    request = session.get(ApprovalRequest, step.request_id)
    assert request is not None, "a step belongs to a request"
    return seats_of(session, users, groups, space_id=request.space_id)


def step_rule(step: RequestStep | WorkflowStep) -> StepRule:
    return StepRule(Rule(step.rule), step.quorum, step.min_rejections)


def step_decisions(session: Session, step: RequestStep) -> dict[int, DecisionKind]:
    """Each seat holder's decision on `step`; a delegate's counts as the holder's
    (`domain.delegation`)."""
    return step_deciders(session, step)[0]


def step_deciders(
    session: Session, step: RequestStep
) -> tuple[dict[int, DecisionKind], frozenset[int]]:
    """`step_decisions`, and the people who acted on `step` (delegates included),
    read in one statement."""
    rows = session.execute(
        select(Decision.approver_id, Decision.on_behalf_of, Decision.kind).where(
            Decision.step_id == step.id
        )
    )
    decided: dict[int, DecisionKind] = {}
    actors: set[int] = set()
    for approver, holder, kind in rows:
        decided[holder or approver] = DecisionKind(kind)
        actors.add(approver)
    return decided, frozenset(actors)


def request_exclusions(request: ApprovalRequest) -> frozenset[int]:
    """Who may never decide on `request` (`domain.duties.excluded_deciders`).

    Reads the authors of the content under review in one indexed statement, through
    the session the request belongs to, once per loaded request
    (`queries.authors.request_authors`); nothing when the workflow allows
    self-approval.
    """
    if request.allow_self_approval:
        return frozenset()
    session = object_session(request)
    assert session is not None, "a request is read through a session"
    return excluded_deciders(
        submitter_id=request.submitted_by,
        authors=request_authors(session, request),
        allow_self_approval=False,
    )


# One statement for the request, its steps and their seats: a decision reads all
# three, and the step it starts reads the next step's seats.
_WITH_STEPS_JOINED = (joinedload(ApprovalRequest.steps).joinedload(RequestStep.seats),)


_WITH_WORKFLOW_STEPS = (joinedload(Workflow.steps),)
# The workflow a submission runs under with its steps, which it snapshots: one read.


def latest_request(session: Session, page: Page) -> ApprovalRequest | None:
    """The page's latest request, loaded with its steps and their seats."""
    if page.latest_request_id is None:
        return None
    return session.get(
        ApprovalRequest, page.latest_request_id, options=_WITH_STEPS_JOINED
    )


def active_workflow_ids(session: Session, space_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Workflow.id)
            .where(Workflow.space_id == space_id, Workflow.is_active.is_(True))
            .order_by(Workflow.id)
        )
    )


def _resolution_inputs(
    session: Session, page: Page
) -> tuple[int | None, int | None, list[int]]:
    """The page's assignment, the space default, and (only when neither names one,
    since only then do they matter) the space's active workflows."""
    space = session.get(Space, page.space_id)
    assert space is not None
    undecided = page.workflow_id is None and space.default_workflow_id is None
    active = active_workflow_ids(session, page.space_id) if undecided else []
    return page.workflow_id, space.default_workflow_id, active


def resolve_page_workflow(session: Session, page: Page, *, strict: bool) -> Resolution:
    explicit, space_default, active = _resolution_inputs(session, page)
    return resolve_workflow(
        explicit=explicit, space_default=space_default, active=active, strict=strict
    )


def choose_page_workflow(
    session: Session, page: Page, *, strict: bool, chosen: int | None
) -> WorkflowChoice:
    """The workflow a submission of `page` runs under, `chosen` by the submitter."""
    explicit, space_default, active = _resolution_inputs(session, page)
    return choose_workflow(
        explicit=explicit,
        space_default=space_default,
        active=active,
        strict=strict,
        chosen=chosen,
    )


def page_workflow_choices(session: Session, page: Page) -> tuple[int, ...]:
    """The workflows a submitter of `page` may choose among (none when it has one)."""
    explicit, space_default, active = _resolution_inputs(session, page)
    return workflow_choices(
        explicit=explicit, space_default=space_default, active=active
    )


def impassable_steps(
    session: Session, workflow: Workflow, *, excluded: frozenset[int]
) -> list[str]:
    """Names of steps that could never pass with the people allowed to decide.

    Group members and readers are read once for every step together.
    """
    steps = workflow.steps
    members = group_holders(session, {gid for step in steps for gid in step.group_ids})
    named = {user_id for step in steps for user_id in step.approver_ids}
    readers = _readers(session, workflow.space_id, members, named)
    return [
        step.name
        for step in steps
        if not can_ever_pass(
            step_rule(step),
            _seats(step.approver_ids, step.group_ids, members, readers),
            excluded,
        )
    ]


@dataclass(frozen=True)
class SubmitPlan:
    facts: SubmitFacts
    workflow: Workflow | None
    version: PageVersion | None
    excluded: frozenset[int] = frozenset()
    """Who may not decide on the request the plan opens (its first step waits for
    everyone else)."""
    authors: frozenset[int] | None = None
    """The authors of the content under review, when the rules needed them."""


def submit_facts(
    session: Session,
    page: Page | None,
    *,
    actor: User | None,
    strict: bool,
    change_set: ChangeSet | None = None,
    workflow_id: int | None = None,
    version: PageVersion | None = None,
    authors: frozenset[int] | None = None,
) -> SubmitPlan:
    """Everything the submit rules look at for one page, read and never written.

    `version` is the page's current version, and `authors` the authors of the content
    a submission would review (`queries.authors`), when the caller has read them.
    """
    role = space_role(session, actor, page.space_id) if page is not None else None
    if page is None or role is None:
        return SubmitPlan(SubmitFacts(page_exists=False), None, None)
    may_submit = role.includes(Role.editor)
    archived = change_set is not None and change_set.status == ChangeSetStatus.archived
    choice = choose_page_workflow(session, page, strict=strict, chosen=workflow_id)
    # A refused choice still reports the page's own workflow, as preflight shows it.
    governing = choice.workflow_id or choice.fixed
    workflow = (
        session.get(Workflow, governing, options=_WITH_WORKFLOW_STEPS)
        if governing
        else None
    )
    if version is None:
        version = current_version(session, page)
    pending = latest_request(session, page)
    has_pending = pending is not None and pending.status == RequestStatus.pending
    # The same rule and facts as every read of the page's standing.
    approved_current = standing_at(session, page, version).covers_current
    impassable: list[str] = []
    excluded: frozenset[int] = frozenset()
    if workflow is not None and actor is not None:
        if not workflow.allow_self_approval and authors is None:
            authors = submission_authors(session, page.id, version.number)
        excluded = excluded_deciders(
            submitter_id=actor.id,
            authors=authors or (),
            allow_self_approval=workflow.allow_self_approval,
        )
        impassable = impassable_steps(session, workflow, excluded=excluded)
    facts = SubmitFacts(
        page_exists=True,
        may_submit=may_submit,
        change_set_archived=archived,
        workflow_id=workflow.id if workflow else None,
        workflow_ambiguous=choice.ambiguous,
        fixed_workflow=workflow.name if choice.fixed and workflow else None,
        has_pending=has_pending,
        approved_current=approved_current,
        impassable_steps=impassable,
    )
    return SubmitPlan(facts, workflow, version, excluded, authors)
