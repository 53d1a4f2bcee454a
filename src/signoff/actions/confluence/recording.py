"""Recording what a pass saw of one Confluence page, in one short transaction.

A version is recorded once: a page already at that number (or past it) is left
alone, so a pass that runs again after a crash, or two passes that overlap, record
nothing twice. A new version goes through `actions.versions.record_version`, the
built-in store's edit path: it supersedes a pending review or makes an approval
stale by the workflow's rules, and is audited with origin `system` and the
Confluence author (the mapped user, or the account id when nobody is mapped). A page
trashed, deleted or moved out of the linked space ends its pending review with the
reason.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.audit import record_event
from signoff.actions.comments import notice_in_thread
from signoff.actions.events import announce_review
from signoff.actions.locks import lock_page
from signoff.actions.reviews import close_request
from signoff.actions.versions import NewVersion, record_first_version, record_version
from signoff.connectors.confluence.api import RemotePage
from signoff.connectors.confluence.source import source_name
from signoff.db.models import ApprovalRequest, Page, User
from signoff.domain.states import Origin, RequestStatus
from signoff.queries.confluence import LinkView, page_by_external_id
from signoff.storage_format.sanitise import sanitise_body

LIVE = ("current", "archived")
MAX_TITLE = 255


@dataclass
class Recorded:
    """What recording one page changed, for the pass's counts."""

    pages_found: int = 0
    versions: int = 0
    superseded: int = 0
    staled: int = 0
    ended: int = 0
    changed_pages: list[int] = field(default_factory=list)

    def add(self, other: Recorded) -> None:
        self.pages_found += other.pages_found
        self.versions += other.versions
        self.superseded += other.superseded
        self.staled += other.staled
        self.ended += other.ended
        self.changed_pages.extend(other.changed_pages)


def record_seen(
    session: Session,
    link: LinkView,
    remote: RemotePage,
    *,
    accounts: dict[str, int],
    now: datetime,
) -> Recorded:
    """Record `remote` as the pass saw it in `link`'s Confluence space."""
    done = Recorded()
    found = page_by_external_id(session, link.site_id, remote.id)
    if remote.status not in LIVE or remote.space_id != link.confluence_space_id:
        if found is not None and found.space_id == link.space_id:
            reason = (
                f"moved out of Confluence space {link.confluence_space_key}"
                if remote.status in LIVE
                else f"{remote.status} in Confluence"
            )
            gone = "moved" if remote.status in LIVE else remote.status
            done.ended += end_reviews(session, found, reason, gone, now=now)
        return done
    author = accounts.get(remote.version.author_account or "")
    by = _acting(session, author, now)
    new = NewVersion(
        title=confluence_title(remote.title),
        body=sanitise_body(remote.body or ""),
        author_id=author,
        message=remote.version.message[:500],
        number=remote.version.number,
        author_account=remote.version.author_account,
        created_at=remote.version.created_at,
    )
    if found is None:
        _found_page(session, link, remote, new, by=by)
        done.pages_found += 1
        done.versions += 1
        return done
    page = lock_page(session, found.id)
    assert page is not None
    if page.space_id != link.space_id:
        reason = f"moved to Confluence space {link.confluence_space_key}"
        done.ended += end_reviews(session, page, reason, "moved", now=now)
        page.space_id = link.space_id
    page.status = "current"
    if remote.version.number <= page.current_version:
        return done
    latest_before = _status(session, page.latest_request_id)
    approved = (
        session.get(ApprovalRequest, page.approved_request_id)
        if page.approved_request_id
        else None
    )
    stale_before = approved.stale_at if approved is not None else None
    record_version(session, page, new, by=by)
    done.versions += 1
    done.changed_pages.append(page.id)
    if (
        latest_before == RequestStatus.pending.value
        and _status(session, page.latest_request_id) == RequestStatus.superseded.value
    ):
        done.superseded += 1
    if approved is not None and stale_before is None and approved.stale_at is not None:
        done.staled += 1
    return done


def record_missing(
    session: Session, link: LinkView, external_id: str, *, now: datetime
) -> int:
    """A page under review that the site no longer shows: deleted for good, or
    hidden from Signoff's credentials. Ends its pending review; how many ended."""
    found = page_by_external_id(session, link.site_id, external_id)
    if found is None or found.space_id != link.space_id:
        return 0
    return end_reviews(
        session,
        found,
        "deleted in Confluence, or no longer visible to Signoff",
        "deleted",
        now=now,
    )


def end_reviews(
    session: Session, found: Page, reason: str, status: str, *, now: datetime
) -> int:
    """Mark the page gone and withdraw its pending review, saying why."""
    page = lock_page(session, found.id)
    assert page is not None
    page.status = status
    request = (
        session.get(ApprovalRequest, page.latest_request_id)
        if page.latest_request_id
        else None
    )
    if request is None or request.status != RequestStatus.pending.value:
        return 0
    by = Acting.system(now)
    close_request(session, request, RequestStatus.cancelled, now=now)
    text = (
        f"The review of '{page.title}' version {request.page_version} ended: "
        f"the page was {reason}."
    )
    notice_in_thread(session, request, text, now=now)
    announce_review(
        session, "approval.cancelled", text, request, by=by, details={"reason": reason}
    )
    return 1


def confluence_title(title: str) -> str:
    """A Confluence title as a page title here: never refused (people wrote it
    there), but without control characters and at most 255 characters."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in title
    )
    return " ".join(kept.split())[:MAX_TITLE] or "(untitled)"


def _found_page(
    session: Session,
    link: LinkView,
    remote: RemotePage,
    new: NewVersion,
    *,
    by: Acting[User | None],
) -> Page:
    page = Page(
        space_id=link.space_id,
        source=source_name(link.site_id),
        external_id=remote.id,
        title=new.title,
        current_version=remote.version.number,
        status="current",
        created_at=by.now,
        created_by=None,
        updated_at=by.now,
    )
    session.add(page)
    session.flush()
    record_first_version(session, page, new, now=by.now)
    record_event(
        session,
        "page.created",
        f"Page '{new.title}' was found in Confluence space "
        f"{link.confluence_space_key} at version {remote.version.number}.",
        by=by,
        space_id=link.space_id,
        page_id=page.id,
        page_version=remote.version.number,
        details={
            "confluencePageId": remote.id,
            "authorAccount": remote.version.author_account,
        },
    )
    return page


def _acting(session: Session, author: int | None, now: datetime) -> Acting[User | None]:
    user = session.get(User, author) if author is not None else None
    return Acting(user, Origin.system, None, now)


def _status(session: Session, request_id: int | None) -> str | None:
    if request_id is None:
        return None
    request = session.get(ApprovalRequest, request_id)
    return request.status if request is not None else None
