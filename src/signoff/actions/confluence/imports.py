"""Taking over product 004's approvals: its property on each governed page becomes
a review in Signoff's history, with its decisions, at the page's current version.

The site is read before the transactions (one call per page), every page is
imported in a transaction of its own so none is half-imported, and the property
is only ever read: Signoff never writes product 004's key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.assignments import assign_step
from signoff.actions.audit import record_event
from signoff.actions.confluence.sites import find_site
from signoff.actions.events import announce_review
from signoff.actions.locks import lock_page
from signoff.actions.reviews import close_request, new_request
from signoff.connectors.confluence.api import page_property
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.gate import RateLimited
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.db.models import (
    ApprovalRequest,
    Decision,
    Page,
    RequestStep,
    RequestStepSeat,
    Workflow,
    WorkflowStep,
)
from signoff.db.session import Database
from signoff.domain.errors import InvalidState
from signoff.domain.product004 import (
    IMPORT_MARK,
    PRODUCT004_KEY,
    MalformedProperty,
    Product004Approval,
    read_product004,
)
from signoff.domain.states import (
    DecisionKind,
    Origin,
    RequestStatus,
    Rule,
    StaleOn,
    StepStatus,
)
from signoff.queries.confluence import accounts_of
from signoff.queries.facts import current_version
from signoff.queries.imports import GovernedPage, linked_pages, review_at_version

IMPORT_WORKFLOW = "Imported from product 004"
STEP_NAME = "Product 004 approval"


@dataclass(frozen=True)
class PageImport:
    """One page's outcome: `imported` is True when its approval was recorded (or,
    in a dry run, would be); otherwise `reason` says why not."""

    confluence_id: str
    title: str
    status: str
    """Product 004's status as a name, `none` without a property, `invalid` when it
    is malformed, `unreadable` when the site did not let Signoff read it."""
    imported: bool
    reason: str | None = None


@dataclass
class ImportReport:
    pages: list[PageImport] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for page in self.pages if page.imported)

    @property
    def skipped(self) -> int:
        return len(self.pages) - self.imported


@dataclass(frozen=True)
class Unreadable:
    """The site did not let Signoff read the page's property: `reason` says how."""

    reason: str


Found = Product004Approval | str | Unreadable | None
"""What the site holds for a page: the approval, a reason it is malformed, a reason
it could not be read, none."""


def import_approvals(
    db: Database,
    http: ConfluenceHttp,
    *,
    site_name: str,
    space_key: str,
    dry_run: bool,
    clock: Callable[[], datetime],
) -> ImportReport:
    """Import product 004's approval of every page of the linked space `space_key`.

    With `dry_run` every page is checked in a read-only transaction and nothing is
    written; the report says what would be imported.
    """
    with db.read() as session:
        site = find_site(session, site_name)
        site_id, pages = site.id, linked_pages(session, site, space_key)
    report = ImportReport()
    for page, found in _read_site(http, pages):
        report.pages.append(
            _import_one(db, site_id, page, found, dry_run=dry_run, now=clock())
        )
    return report


def _read_site(
    http: ConfluenceHttp, pages: list[GovernedPage]
) -> Iterator[tuple[GovernedPage, Found]]:
    """Each page with its property as read and validated, one call a page.

    A failed read skips that page only: a page gone or hidden, or an error left
    after the retries. A rate limit longer than a call waits holds the site, so
    every page after it is skipped at once, without a call, with the time to
    run the import again (the pages done so far stay imported).
    """
    for page in pages:
        try:
            remote = page_property(http, page.confluence_id, PRODUCT004_KEY)
        except RateLimited as paused:
            yield page, Unreadable(f"{paused}; run the import again after that")
            continue
        except ConfluenceError as error:
            yield page, Unreadable(_unread(error))
            continue
        if remote is None:
            yield page, None
            continue
        try:
            yield page, read_product004(remote.value)
        except MalformedProperty as fault:
            yield page, f"{PRODUCT004_KEY} is malformed: {fault}."


def _unread(error: ConfluenceError) -> str:
    if error.status == 404:
        return (
            "the page is missing from the site or not visible to Signoff's "
            "credentials: let them view it and run the import again"
        )
    return f"the site did not answer: {error}"


def _import_one(
    db: Database,
    site_id: int,
    page: GovernedPage,
    found: Found,
    *,
    dry_run: bool,
    now: datetime,
) -> PageImport:
    if found is None:
        return PageImport(
            page.confluence_id, page.title, "none", False, "no product 004 approval"
        )
    if isinstance(found, str):
        return PageImport(page.confluence_id, page.title, "invalid", False, found)
    if isinstance(found, Unreadable):
        return PageImport(
            page.confluence_id, page.title, "unreadable", False, found.reason
        )
    status = found.status.value
    by = Acting(None, Origin.cli, IMPORT_MARK, now)
    try:
        if dry_run:
            with db.read() as session:
                row = session.get_one(Page, page.id)
                check_import_approval(
                    session, row, found, accounts_of(session, site_id)
                )
        else:
            with db.write() as session:
                row = session.get_one(Page, page.id)
                accounts = accounts_of(session, site_id)
                do_import_approval(session, row, found, accounts=accounts, by=by)
    except InvalidState as refusal:
        return PageImport(
            page.confluence_id, page.title, status, False, refusal.message
        )
    return PageImport(page.confluence_id, page.title, status, True)


def check_import_approval(
    session: Session,
    page: Page,
    found: Product004Approval,
    accounts: dict[str, int],
) -> int:
    """The version the approval would be recorded at; `InvalidState` saying why the
    page may not take it (an account mapped to nobody, a review already there)."""
    unmapped = [account for account in found.accounts if account not in accounts]
    if unmapped:
        raise InvalidState(
            f"account(s) {', '.join(unmapped)} map to no Signoff user; map them with "
            "`signoff confluence user map` and run the import again"
        )
    version = page.current_version
    existing = review_at_version(session, page.id, version)
    if existing is not None and existing.client_id == IMPORT_MARK:
        raise InvalidState(f"already imported at version {version}")
    if existing is not None:
        raise InvalidState(f"Signoff already has a review of version {version}")
    latest = (
        session.get(ApprovalRequest, page.latest_request_id)
        if page.latest_request_id is not None
        else None
    )
    if latest is not None and latest.status == RequestStatus.pending:
        raise InvalidState("a review is pending in Signoff")
    return version


def do_import_approval(
    session: Session,
    page: Page,
    found: Product004Approval,
    *,
    accounts: dict[str, int],
    by: Acting[None],
) -> ApprovalRequest:
    """Record `found` as a review of the page's current version, marked imported.

    A closed approval becomes a closed review with its times; a pending one stays
    open, waiting for its pending approvers, and continues in Signoff, unless its
    decisions already settle it (`settled_status`): then it is closed as approved
    or rejected at the moment of the import. An approved one becomes the page's
    standing approval, as a completed review does.
    """
    locked = lock_page(session, page.id)
    assert locked is not None
    check_import_approval(session, locked, found, accounts)
    request = _open(session, locked, found, accounts, by=by)
    step = request.steps[0]
    decided = _decide(session, request, step, found, accounts)
    locked.latest_request_id = request.id
    status = found.settled_status
    closed_at = found.completed_at if status is found.status else by.now
    if status is RequestStatus.pending:
        assign_step(session, request, step)
    else:
        close_request(session, request, status, now=closed_at)
        if status in (RequestStatus.approved, RequestStatus.rejected):
            step.status = StepStatus(status.value)
            step.completed_at = closed_at
        if status is RequestStatus.approved:
            locked.approved_request_id = request.id
            locked.approved_version = request.page_version
    session.flush()
    _audit(session, locked, request, found, decided, accounts, by=by)
    return request


def _open(
    session: Session,
    page: Page,
    found: Product004Approval,
    accounts: dict[str, int],
    *,
    by: Acting[None],
) -> ApprovalRequest:
    workflow = _import_workflow(session, page.space_id, by=by)
    version = current_version(session, page)
    seats = dict.fromkeys(
        accounts[account]
        for account in (*found.pending, *found.approved, *found.rejected)
    )
    step = RequestStep(
        position=0,
        name=STEP_NAME,
        rule=Rule.quorum if found.minimum_approvers else Rule.all,
        quorum=found.minimum_approvers or None,
        min_rejections=max(1, found.minimum_rejections),
        due_days=None,
        status=StepStatus.active,
        reminders_sent=0,
        seats=[RequestStepSeat(user_id=user_id) for user_id in seats],
    )
    request = new_request(
        page,
        workflow,
        version,
        steps=[step],
        submitted_by=accounts[found.created_by],
        origin=by.origin,
        client_id=IMPORT_MARK,
        created_at=found.created_at,
    )
    session.add(request)
    session.flush()
    return request


def _decide(
    session: Session,
    request: ApprovalRequest,
    step: RequestStep,
    found: Product004Approval,
    accounts: dict[str, int],
) -> list[tuple[str, DecisionKind]]:
    """The approvals and rejections product 004 recorded, at the time it gives: its
    completion for a closed review, its creation for a pending one (it keeps no
    time per decision)."""
    at = (
        found.created_at
        if found.status is RequestStatus.pending
        else found.completed_at
    )
    decided = [
        (a, DecisionKind.approve) for a in found.approved if a not in found.rejected
    ]
    decided += [(a, DecisionKind.reject) for a in found.rejected]
    for account, kind in decided:
        session.add(
            Decision(
                request_id=request.id,
                step_id=step.id,
                approver_id=accounts[account],
                kind=kind,
                comment="",
                page_version=request.page_version,
                content_hash=request.content_hash,
                origin=request.origin,
                client_id=IMPORT_MARK,
                created_at=at,
            )
        )
    session.flush()
    return decided


def _import_workflow(session: Session, space_id: int, *, by: Acting[None]) -> Workflow:
    """The space's inactive workflow that imported reviews belong to: inactive, so
    no page ever resolves to it for a new submission."""
    found = session.scalar(
        select(Workflow).where(
            Workflow.space_id == space_id,
            Workflow.name == IMPORT_WORKFLOW,
            Workflow.is_active.is_(False),
        )
    )
    if found is not None:
        return found
    made = Workflow(
        space_id=space_id,
        name=IMPORT_WORKFLOW,
        is_active=False,
        expire_on_edit=True,
        stale_on=StaleOn.content,
        allow_self_approval=False,
        valid_for_days=None,
        revision=1,
        created_at=by.now,
        created_by=None,
        updated_at=by.now,
        steps=[
            WorkflowStep(
                position=0,
                name=STEP_NAME,
                rule=Rule.any,
                quorum=None,
                min_rejections=1,
                approver_ids=[],
                group_ids=[],
            )
        ],
    )
    session.add(made)
    session.flush()
    record_event(
        session,
        "workflow.created",
        f"The inactive workflow '{IMPORT_WORKFLOW}' was created to hold imported "
        "reviews.",
        by=by,
        space_id=space_id,
        details={"workflowId": made.id, "source": PRODUCT004_KEY},
    )
    return made


def _audit(
    session: Session,
    page: Page,
    request: ApprovalRequest,
    found: Product004Approval,
    decided: list[tuple[str, DecisionKind]],
    accounts: dict[str, int],
    *,
    by: Acting[None],
) -> None:
    """One `approval.imported` for the review (announced, so the page's
    `signoff-approval` property follows) and one per decision."""
    source = {"source": PRODUCT004_KEY, "rawStatus": found.raw_status}
    for account, kind in decided:
        record_event(
            session,
            "approval.imported",
            f"Product 004's {kind.value} of '{page.title}' version "
            f"{request.page_version} by account {account} was imported.",
            by=by,
            space_id=request.space_id,
            page_id=request.page_id,
            page_version=request.page_version,
            request_id=request.id,
            details={
                **source,
                "decision": kind.value,
                "accountId": account,
                "approverId": accounts[account],
            },
        )
    recorded = "" if request.status == found.status else f" as {request.status}"
    announce_review(
        session,
        "approval.imported",
        f"Product 004's {found.status.value} approval of '{page.title}' version "
        f"{request.page_version} was imported{recorded}.",
        request,
        by=by,
        details={
            **source,
            "status": found.status.value,
            "recordedStatus": str(request.status),
            "createdAt": found.created_at.isoformat(),
            "completedAt": found.completed_at.isoformat(),
            "createdBy": found.created_by,
        },
    )
