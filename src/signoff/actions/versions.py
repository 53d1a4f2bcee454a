"""The one way a new version of a page comes into being, whatever its source.

`record_version` appends the immutable version row, moves the page to it, writes the
audit event, and tells the page's reviews what happened: a pending review of other
content is superseded (when its workflow expires reviews on edit), and a standing
approval that no longer covers the content goes stale, all in the caller's
transaction. The built-in store's edits (`actions.pages`) call it; so does a
connector that notices an edit made where a page lives. The caller holds the page's
lock (`lock_page`) and has already checked who may do this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.comments import notice_in_thread
from signoff.actions.events import announce
from signoff.actions.reviews import close_request
from signoff.actions.validate import clean_text
from signoff.connectors import source_of
from signoff.db.models import ApprovalRequest, Page, PageVersion, User
from signoff.domain.states import RequestStatus, StaleOn
from signoff.domain.versions import goes_stale, supersedes
from signoff.queries.facts import request_ref, version_ref
from signoff.storage_format.normalise import content_hash

MAX_MESSAGE = 500


@dataclass(frozen=True)
class NewVersion:
    """A version as its source gives it: the title and body already clean.

    `author_id` is the Signoff user who wrote it; None only where the source names
    an author who maps to no user here. `number` is the source's own version number
    (a source that is polled may skip some); None takes the next one. `author_account`
    is the author as the source names them, kept whether or not it maps to a user."""

    title: str
    body: str
    author_id: int | None
    message: str = ""
    number: int | None = None
    author_account: str | None = None
    created_at: datetime | None = None
    """When the source saved it; None: now."""


def record_first_version(
    session: Session, page: Page, new: NewVersion, *, now: datetime
) -> PageVersion:
    """Store version 1 of a page just created; its creation is audited by the caller."""
    return _append(session, page, new.number or 1, new, now=now)


def record_version(
    session: Session,
    page: Page,
    new: NewVersion,
    *,
    previous: PageVersion | None = None,
    by: Acting[User | None],
) -> PageVersion:
    """Append `new` as `page`'s next version, audit it, and follow it through the
    page's reviews. `previous` is the page's latest version when the caller has read
    it; `by.actor` is None for an author who maps to no user here."""
    if previous is None:
        previous = source_of(page).latest_version(session, page)
    number = new.number or previous.number + 1
    if number <= previous.number:
        raise ValueError(f"version {number} is not after {previous.number}")
    version = _append(session, page, number, new, now=by.now)
    who = (
        by.actor.display_name
        if by.actor
        else f"Account {new.author_account}"
        if new.author_account
        else "An author outside Signoff"
    )
    details: dict[str, object] = {
        "contentChanged": version.content_hash != previous.content_hash
    }
    if new.author_account:
        details["authorAccount"] = new.author_account
    record_event(
        session,
        "page.edited",
        f"{who} edited page '{new.title}' (version {version.number}).",
        by=by,
        space_id=page.space_id,
        page_id=page.id,
        page_version=version.number,
        details=details,
    )
    _follow_edit(
        session,
        page,
        previous,
        version,
        by=by,
    )
    return version


def _append(
    session: Session, page: Page, number: int, new: NewVersion, *, now: datetime
) -> PageVersion:
    version = PageVersion(
        page_id=page.id,
        number=number,
        title=new.title,
        body=new.body,
        content_hash=content_hash(new.title, new.body),
        author_id=new.author_id,
        author_account=new.author_account,
        message=clean_text(
            new.message, field="message", max_length=MAX_MESSAGE, required=False
        ),
        created_at=new.created_at or now,
    )
    session.add(version)
    session.flush()
    page.current_version, page.title, page.updated_at = number, new.title, now
    return version


def _follow_edit(
    session: Session,
    page: Page,
    previous: PageVersion,
    new: PageVersion,
    *,
    by: Acting[User | None],
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
        close_request(session, latest, RequestStatus.superseded, now=by.now)
        notice_in_thread(
            session,
            latest,
            f"Version {new.number} was saved during the review: this review of "
            f"version {latest.page_version} is superseded.",
            now=by.now,
        )
        _announce(
            session,
            "approval.superseded",
            f"The review of '{page.title}' version {latest.page_version} was "
            f"superseded by version {new.number}.",
            page,
            latest,
            new,
            by=by,
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
        approved.stale_at = by.now
        notice_in_thread(
            session,
            approved,
            f"Version {new.number} changed the approved content: the approval of "
            f"version {approved.page_version} is stale.",
            now=by.now,
        )
        _announce(
            session,
            "approval.stale",
            f"The approval of '{page.title}' at version {approved.page_version} is "
            f"stale: the page is now at version {new.number}.",
            page,
            approved,
            new,
            by=by,
        )


def _announce(
    session: Session,
    action: str,
    text: str,
    page: Page,
    request: ApprovalRequest,
    new: PageVersion,
    *,
    by: Acting[User | None],
) -> None:
    details = {"requestVersion": request.page_version, "currentVersion": new.number}
    announce(
        session,
        action,
        text,
        {"pageId": page.id, "requestId": request.id, **details},
        by=by,
        space_id=page.space_id,
        page_id=page.id,
        page_version=new.number,
        request_id=request.id,
        change_set_id=request.change_set_id,
        details=details,
    )
