"""Pages of the built-in store: creation and edits, each edit a new immutable version.

An edit also tells the page's reviews what happened: a pending review of other content
is superseded (when its workflow expires reviews on edit), and a standing approval
that no longer covers the content goes stale. Both are audited in the same
transaction as the edit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.audit import record_event
from signoff.actions.comments import notice_in_thread
from signoff.actions.locks import lock_page
from signoff.actions.outbox import enqueue
from signoff.actions.reviews import close_request
from signoff.actions.validate import clean_text
from signoff.db.models import ApprovalRequest, Page, PageVersion, Space, User
from signoff.domain.errors import BadInput, NotFound, VersionConflict
from signoff.domain.states import Origin, RequestStatus, Role, StaleOn
from signoff.domain.versions import goes_stale, supersedes
from signoff.queries.facts import current_version, request_ref, version_ref
from signoff.storage_format.normalise import content_hash
from signoff.storage_format.sanitise import sanitise_body

MAX_BODY = 2_000_000
MAX_TITLE = 255


def _clean_body(body: str) -> str:
    if not isinstance(body, str):
        raise BadInput("body must be text.", field="body")
    if len(body) > MAX_BODY:
        raise BadInput(f"body is longer than {MAX_BODY} characters.", field="body")
    return sanitise_body(body)


def do_create_page(
    session: Session,
    space: Space,
    *,
    title: str,
    body: str,
    parent_id: int | None = None,
    message: str = "",
    actor: User,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> Page:
    require_role(session, actor, space.id, Role.editor, action="create pages")
    title = clean_text(title, field="title", max_length=MAX_TITLE)
    body = _clean_body(body)
    if parent_id is not None:
        parent = session.get(Page, parent_id)
        if parent is None or parent.space_id != space.id:
            raise BadInput(
                f"parentId {parent_id} is not a page of this space.", field="parentId"
            )
    duplicate = session.scalar(
        select(Page.id).where(Page.space_id == space.id, Page.title == title)
    )
    if duplicate is not None:
        raise BadInput(
            f"A page titled {title!r} already exists in this space.", field="title"
        )
    page = Page(
        space_id=space.id,
        source="builtin",
        parent_id=parent_id,
        title=title,
        current_version=1,
        status="current",
        created_at=now,
        created_by=actor.id,
        updated_at=now,
    )
    session.add(page)
    session.flush()
    _add_version(session, page, 1, title, body, actor=actor, message=message, now=now)
    record_event(
        session,
        "page.created",
        f"{actor.display_name} created page '{title}'.",
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
        space_id=space.id,
        page_id=page.id,
        page_version=1,
    )
    return page


def _add_version(
    session: Session,
    page: Page,
    number: int,
    title: str,
    body: str,
    *,
    actor: User,
    message: str,
    now: datetime,
) -> PageVersion:
    version = PageVersion(
        page_id=page.id,
        number=number,
        title=title,
        body=body,
        content_hash=content_hash(title, body),
        author_id=actor.id,
        message=clean_text(message, field="message", max_length=500, required=False),
        created_at=now,
    )
    session.add(version)
    session.flush()
    return version


def do_edit_page(
    session: Session,
    page: Page,
    *,
    title: str | None = None,
    body: str | None = None,
    expected_version: int | None = None,
    message: str = "",
    actor: User,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> PageVersion:
    """Save a new version; `expected_version` is the version the editor started from."""
    require_role(
        session, actor, page.space_id, Role.editor, action="edit pages", page_id=page.id
    )
    locked = lock_page(session, page.id)
    if locked is None:
        raise NotFound(f"Page {page.id} not found.")
    if expected_version is not None and expected_version != locked.current_version:
        raise VersionConflict(
            f"Page {page.id} is at version {locked.current_version}, "
            f"not {expected_version}: reload and edit again.",
            expected=locked.current_version,
            given=expected_version,
        )
    previous = current_version(session, locked)
    new_title = (
        clean_text(title, field="title", max_length=MAX_TITLE)
        if title
        else previous.title
    )
    new_body = _clean_body(body) if body is not None else previous.body
    new = _add_version(
        session,
        locked,
        locked.current_version + 1,
        new_title,
        new_body,
        actor=actor,
        message=message,
        now=now,
    )
    locked.current_version, locked.title, locked.updated_at = new.number, new_title, now
    record_event(
        session,
        "page.edited",
        f"{actor.display_name} edited page '{new_title}' (version {new.number}).",
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
        space_id=locked.space_id,
        page_id=locked.id,
        page_version=new.number,
        details={"contentChanged": new.content_hash != previous.content_hash},
    )
    _follow_edit(
        session,
        locked,
        previous,
        new,
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
    )
    return new


def _follow_edit(
    session: Session,
    page: Page,
    previous: PageVersion,
    new: PageVersion,
    *,
    actor: User,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> None:
    """Supersede a pending review or mark a standing approval stale, as rules say."""
    latest = (
        session.get(ApprovalRequest, page.latest_request_id)
        if page.latest_request_id
        else None
    )
    if (
        latest is not None
        and latest.status == RequestStatus.pending
        and supersedes(
            request_ref(latest),
            version_ref(new),
            expire_on_edit=latest.expire_on_edit,
            stale_on=StaleOn(latest.stale_on),
        )
    ):
        close_request(session, latest, RequestStatus.superseded, now=now)
        notice_in_thread(
            session,
            latest,
            f"Version {new.number} was saved during the review: this review of "
            f"version {latest.page_version} is superseded.",
            now=now,
        )
        _announce(
            session,
            "approval.superseded",
            f"The review of '{page.title}' version {latest.page_version} was "
            f"superseded by version {new.number}.",
            page,
            latest,
            new,
            actor=actor,
            origin=origin,
            client_id=client_id,
            now=now,
        )
    approved = (
        session.get(ApprovalRequest, page.approved_request_id)
        if page.approved_request_id
        else None
    )
    if approved is not None and goes_stale(
        request_ref(approved),
        version_ref(previous),
        version_ref(new),
        StaleOn(approved.stale_on),
    ):
        approved.stale_at = now
        notice_in_thread(
            session,
            approved,
            f"Version {new.number} changed the approved content: the approval of "
            f"version {approved.page_version} is stale.",
            now=now,
        )
        _announce(
            session,
            "approval.stale",
            f"The approval of '{page.title}' at version {approved.page_version} is "
            f"stale: the page is now at version {new.number}.",
            page,
            approved,
            new,
            actor=actor,
            origin=origin,
            client_id=client_id,
            now=now,
        )


def _announce(
    session: Session,
    action: str,
    text: str,
    page: Page,
    request: ApprovalRequest,
    new: PageVersion,
    *,
    actor: User,
    origin: Origin,
    client_id: str | None,
    now: datetime,
) -> None:
    details = {"requestVersion": request.page_version, "currentVersion": new.number}
    record_event(
        session,
        action,
        text,
        actor=actor,
        origin=origin,
        client_id=client_id,
        now=now,
        space_id=page.space_id,
        page_id=page.id,
        page_version=new.number,
        request_id=request.id,
        change_set_id=request.change_set_id,
        details=details,
    )
    enqueue(
        session,
        action,
        {"pageId": page.id, "requestId": request.id, **details},
        now=now,
        space_id=page.space_id,
    )
