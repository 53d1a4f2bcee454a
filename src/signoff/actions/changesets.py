"""Change sets: many page changes under one title, summary and reference link.

Bulk submit is partial by design: every page gets its own preflight, the pages that
pass are submitted and the others are reported with the reason, so one page's refusal
never undoes another's submission. The pages that pass are written in two batches of
inserts for the whole set (`_submit_all`) rather than one savepoint per page.
Archived sets are read-only. A bulk submit locks all its pages before its first
audit append, so it takes its locks in the order every action does: pages, then the
space's audit chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.approvals import (
    announce_request,
    check_submit_page,
    open_request,
    refusal_text,
)
from signoff.actions.audit import record_event
from signoff.actions.comments import Approvers, step_approvers
from signoff.actions.validate import clean_text, clean_url
from signoff.db.models import (
    ApprovalRequest,
    ChangeSet,
    ChangeSetPage,
    Page,
    PageVersion,
    Space,
    User,
    Workflow,
)
from signoff.db.row_ids import number_new_rows
from signoff.domain.errors import BadInput, InvalidState
from signoff.domain.states import ChangeSetStatus, Role
from signoff.queries.authors import pages_authors
from signoff.queries.facts import SubmitPlan
from signoff.queries.page_refs import get_pages_by_public_id, public_page_id

MAX_PAGES = 1000
_UNSET = object()


def _page_refs(
    session: Session,
    space_id: int,
    page_ids: Sequence[int],
    *,
    now: datetime,
    joined: Mapping[int, datetime] | None = None,
) -> list[ChangeSetPage]:
    """The set's rows for the pages `page_ids` name, in order: ids as clients name
    pages (`queries.page_refs`), read in one statement. A page already in the set
    keeps the time it `joined` (the set counts its reviews since then, by the page's
    own id); a new one joins now."""
    if len(page_ids) > MAX_PAGES:
        raise BadInput(
            f"A change set holds at most {MAX_PAGES} pages.", field="pageRefs"
        )
    pages = get_pages_by_public_id(session, page_ids)
    seen: set[int] = set()
    refs = []
    for index, public_id in enumerate(page_ids):
        page = pages.get(public_id)
        if page is None or page.space_id != space_id:
            raise BadInput(
                f"pageRefs[{index}]: page {public_id} is not in this space.",
                field=f"pageRefs[{index}].pageId",
            )
        if page.id in seen:
            raise BadInput(
                f"pageRefs[{index}]: page {public_id} is listed twice.",
                field=f"pageRefs[{index}].pageId",
            )
        seen.add(page.id)
        joined_at = (joined or {}).get(page.id, now)
        refs.append(ChangeSetPage(page_id=page.id, position=index, joined_at=joined_at))
    return refs


def do_create_change_set(
    session: Session,
    space: Space,
    *,
    title: str,
    summary: str | None = None,
    reference_url: str | None = None,
    page_ids: Sequence[int] = (),
    by: Acting[User],
) -> ChangeSet:
    require_role(session, by.actor, space.id, Role.editor, action="create change sets")
    change_set = ChangeSet(
        space_id=space.id,
        title=clean_text(title, field="title", max_length=255),
        summary=clean_text(
            summary or "",
            field="summary",
            max_length=10_000,
            required=False,
            multiline=True,
        ),
        reference_url=clean_url(reference_url, field="referenceUrl"),
        status=ChangeSetStatus.open,
        created_at=by.now,
        created_by=by.actor.id,
        updated_at=by.now,
        page_refs=_page_refs(session, space.id, page_ids, now=by.now),
    )
    session.add(change_set)
    session.flush()
    record_event(
        session,
        "changeset.created",
        f"{by.actor.display_name} created change set '{change_set.title}' "
        f"with {len(page_ids)} page(s).",
        by=by,
        space_id=space.id,
        change_set_id=change_set.id,
        details={
            "pageIds": [ref.page_id for ref in change_set.page_refs],
            "referenceUrl": change_set.reference_url,
        },
    )
    return change_set


def _require_open(change_set: ChangeSet) -> None:
    if change_set.status == ChangeSetStatus.archived:
        raise InvalidState(
            f"Change set '{change_set.title}' is archived and read-only."
        )


def do_update_change_set(
    session: Session,
    change_set: ChangeSet,
    *,
    title: str | None = None,
    summary: str | None = None,
    reference_url: str | object | None = _UNSET,
    page_ids: Sequence[int] | None = None,
    by: Acting[User],
) -> ChangeSet:
    """Change what is given; `reference_url=None` clears the link, omitted keeps it."""
    require_role(
        session,
        by.actor,
        change_set.space_id,
        Role.editor,
        action="edit change sets",
        change_set_id=change_set.id,
    )
    _require_open(change_set)
    changed: list[str] = []
    if title is not None:
        change_set.title = clean_text(title, field="title", max_length=255)
        changed.append("title")
    if summary is not None:
        change_set.summary = clean_text(
            summary, field="summary", max_length=10_000, required=False, multiline=True
        )
        changed.append("summary")
    if reference_url is not _UNSET:
        assert reference_url is None or isinstance(reference_url, str)
        change_set.reference_url = clean_url(reference_url, field="referenceUrl")
        changed.append("referenceUrl")
    if page_ids is not None:
        joined = {ref.page_id: ref.joined_at for ref in change_set.page_refs}
        refs = _page_refs(
            session, change_set.space_id, page_ids, now=by.now, joined=joined
        )
        change_set.page_refs.clear()
        session.flush()
        change_set.page_refs.extend(refs)
        changed.append("pageRefs")
    change_set.updated_at = by.now
    session.flush()
    record_event(
        session,
        "changeset.updated",
        f"{by.actor.display_name} updated change set '{change_set.title}'.",
        by=by,
        space_id=change_set.space_id,
        change_set_id=change_set.id,
        details={
            "changed": changed,
            "pageIds": [ref.page_id for ref in change_set.page_refs],
        },
    )
    return change_set


def do_archive_change_set(
    session: Session,
    change_set: ChangeSet,
    *,
    by: Acting[User],
) -> ChangeSet:
    require_role(
        session,
        by.actor,
        change_set.space_id,
        Role.editor,
        action="archive change sets",
        change_set_id=change_set.id,
    )
    _require_open(change_set)
    change_set.status = ChangeSetStatus.archived
    change_set.archived_at = change_set.updated_at = by.now
    session.flush()
    record_event(
        session,
        "changeset.archived",
        f"{by.actor.display_name} archived change set '{change_set.title}'.",
        by=by,
        space_id=change_set.space_id,
        change_set_id=change_set.id,
    )
    return change_set


@dataclass(frozen=True)
class PageResult:
    """One page's verdict in a bulk submit or preflight; `public_id` is the page's
    id as clients name it (`queries.page_refs`), `page_id` its own."""

    page_id: int
    public_id: str
    success: bool
    workflow_id: int | None = None
    request_id: int | None = None
    reason: str | None = None


def check_submit_change_set(
    session: Session, change_set: ChangeSet, *, actor: User
) -> list[PageResult]:
    """Preflight of every page in the set; writes nothing."""
    results = []
    for ref in change_set.page_refs:
        page = session.get(Page, ref.page_id)
        verdict, plan = check_submit_page(
            session,
            page,
            actor=actor,
            strict=False,
            change_set=change_set,
        )
        results.append(
            PageResult(
                page_id=ref.page_id,
                public_id=public_page_id(page) if page else str(ref.page_id),
                success=verdict.can_submit,
                workflow_id=plan.workflow.id if plan.workflow else None,
                reason=verdict.reason,
            )
        )
    return results


def do_submit_change_set(
    session: Session,
    change_set: ChangeSet,
    *,
    by: Acting[User],
) -> list[PageResult]:
    require_role(
        session,
        by.actor,
        change_set.space_id,
        Role.editor,
        action="submit change sets",
        change_set_id=change_set.id,
    )
    _require_open(change_set)
    refs = [ref.page_id for ref in change_set.page_refs]
    # Held for the whole submit: the identity map keeps rows only weakly, and every
    # page's preflight and submission needs the same space, workflows and requests.
    pages = {page.id: page for page in _lock_pages(session, refs)}
    held = [
        *_space_and_workflows(session, change_set.space_id),
        *_requests_of(session, pages.values()),
    ]
    versions = _current_versions(session, pages.values())
    authors = pages_authors(session, list(pages))
    results: dict[int, PageResult] = {}
    ready: list[tuple[Page, SubmitPlan]] = []
    for page_id in refs:
        page = pages.get(page_id)
        if page is None:
            results[page_id] = PageResult(
                page_id, str(page_id), False, reason="Page not found"
            )
            continue
        verdict, plan = check_submit_page(
            session,
            page,
            actor=by.actor,
            strict=False,
            change_set=change_set,
            version=versions.get(page_id),
            authors=authors.get(page_id),
        )
        if verdict.blocker is None:
            ready.append((page, plan))
        else:
            public_id = public_page_id(page)
            reason = refusal_text(verdict, public_id)
            results[page_id] = PageResult(page_id, public_id, False, reason=reason)
    for page, request in _submit_all(
        session,
        ready,
        by=by,
        change_set=change_set,
    ):
        results[page.id] = PageResult(
            page.id,
            public_page_id(page),
            True,
            workflow_id=request.workflow_id,
            request_id=request.id,
        )
    results_in_order = [results[page_id] for page_id in refs]
    submitted = sum(result.success for result in results_in_order)
    record_event(
        session,
        "changeset.submitted",
        f"{by.actor.display_name} submitted change set '{change_set.title}': "
        f"{submitted} of {len(results)} page(s) sent for approval.",
        by=by,
        space_id=change_set.space_id,
        change_set_id=change_set.id,
        details={
            "title": change_set.title,
            "summary": change_set.summary,
            "referenceUrl": change_set.reference_url,
            "submittedCount": submitted,
            "skippedCount": len(results_in_order) - submitted,
            "skipped": {
                str(r.page_id): r.reason for r in results_in_order if not r.success
            },
        },
    )
    del held
    return results_in_order


def _lock_pages(session: Session, page_ids: Sequence[int]) -> list[Page]:
    """Load and lock the pages up front, in id order (the lock is a no-op on SQLite's
    single writer).

    Each submission appends to the audit chain, whose head stays locked until
    commit. Locking the next page only then would wait on an edit or decision that
    holds that page and waits for the chain: a deadlock on PostgreSQL.
    """
    return list(
        session.scalars(
            select(Page)
            .where(Page.id.in_(page_ids))
            .order_by(Page.id)
            .with_for_update()
        )
    )


def _space_and_workflows(session: Session, space_id: int) -> list[Space | Workflow]:
    """The space and its active workflows with their steps, read once for a set."""
    space = session.get_one(Space, space_id)
    workflows = session.scalars(
        select(Workflow)
        .where(Workflow.space_id == space_id, Workflow.is_active.is_(True))
        .options(selectinload(Workflow.steps))
    )
    return [space, *workflows]


def _submit_all(
    session: Session,
    ready: Sequence[tuple[Page, SubmitPlan]],
    *,
    by: Acting[User],
    change_set: ChangeSet,
) -> list[tuple[Page, ApprovalRequest]]:
    """Submit every page that passed its preflight, in two flushes for the lot.

    Preflight has already refused every page the rules refuse, and nothing else
    refuses a submission, so no page needs a savepoint of its own: the requests go
    out in one batch of inserts, then everything they set going in another.
    """
    opened = [
        (
            page,
            plan,
            open_request(
                session,
                page,
                plan,
                by=by,
                change_set=change_set,
            ),
        )
        for page, plan in ready
    ]
    number_new_rows(session)
    session.flush()
    # Pages on one workflow share a first step, so they name the same approvers.
    approvers: dict[int, Approvers] = {}
    for page, plan, request in opened:
        if request.workflow_id not in approvers:
            approvers[request.workflow_id] = step_approvers(
                session, request.steps[0], request.space_id
            )
        announce_request(
            session,
            page,
            request,
            plan,
            by=by,
            change_set=change_set,
            approvers=approvers[request.workflow_id],
        )
    number_new_rows(session)
    session.flush()
    return [(page, request) for page, _plan, request in opened]


def _requests_of(session: Session, pages: Iterable[Page]) -> list[ApprovalRequest]:
    """The pages' latest and approved requests, read in one statement."""
    ids = {
        request_id
        for page in pages
        for request_id in (page.latest_request_id, page.approved_request_id)
        if request_id is not None
    }
    if not ids:
        return []
    return list(
        session.scalars(select(ApprovalRequest).where(ApprovalRequest.id.in_(ids)))
    )


def _current_versions(
    session: Session, pages: Iterable[Page]
) -> dict[int, PageVersion]:
    """Each page's current version, read in one statement."""
    wanted = {page.id: page.current_version for page in pages}
    if not wanted:
        return {}
    rows = session.scalars(
        select(PageVersion)
        .join(Page, Page.id == PageVersion.page_id)
        .where(
            PageVersion.page_id.in_(wanted),
            PageVersion.number == Page.current_version,
        )
    )
    return {version.page_id: version for version in rows}
