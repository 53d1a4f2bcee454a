"""Who an approval email goes to, and what it says about the review: read once, when
the event fans out, so each `email.send` carries all it needs. Its sender reads only
whether the recipient may still read the space (`may_still_read`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import (
    ApprovalRequest,
    ChangeSet,
    Decision,
    Page,
    Space,
    User,
    Workflow,
)
from signoff.domain.states import DecisionKind
from signoff.notify.handlers import Message
from signoff.queries.facts import get_version
from signoff.queries.page_refs import public_page_id
from signoff.queries.readers import space_readers


@dataclass(frozen=True)
class Person:
    id: int
    address: str
    name: str


@dataclass(frozen=True)
class Review:
    """One approval request as its emails describe it."""

    request: ApprovalRequest
    page_title: str
    space_key: str
    space_name: str
    notify_requests: bool
    notify_status: bool
    change_set: dict[str, Any] | None
    public_id: str = ""
    """The page's id as clients name it, in its links (`queries.page_refs`)."""

    @property
    def page_path(self) -> str:
        return (
            f"/spaces/{self.space_key}/pages/{self.public_id or self.request.page_id}"
        )

    @property
    def change(self) -> dict[str, Any] | None:
        """What the review changes, as measured when it opened, with the address
        of the comparison; None for a first version (or an older review)."""
        request = self.request
        if request.change_from is None or request.change_summary is None:
            return None
        return {
            "summary": request.change_summary,
            "from": request.change_from,
            "to": request.page_version,
            "path": f"{self.page_path}/compare?from={request.change_from}"
            f"&to={request.page_version}",
        }

    def facts(self) -> dict[str, Any]:
        """The part of every email payload that describes the review."""
        return {
            "requestId": self.request.id,
            "page": {
                "id": self.request.page_id,
                "title": self.page_title,
                "version": self.request.page_version,
                "path": self.page_path,
            },
            "space": {"key": self.space_key, "name": self.space_name},
            "changeSet": self.change_set,
            "change": self.change,
        }


def load_review(session: Session, request_id: int) -> Review | None:
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        return None
    page = session.get(Page, request.page_id)
    space = session.get(Space, request.space_id)
    workflow = session.get(Workflow, request.workflow_id)
    if page is None or space is None or workflow is None:
        return None
    # The title the version had when it was submitted, which is what was reviewed.
    version = get_version(session, page.id, request.page_version)
    return Review(
        request=request,
        page_title=version.title if version is not None else page.title,
        space_key=space.key,
        space_name=space.name,
        notify_requests=workflow.notify_requests,
        notify_status=workflow.notify_status,
        change_set=_change_set(session, request.change_set_id),
        public_id=public_page_id(page),
    )


def _change_set(session: Session, change_set_id: int | None) -> dict[str, Any] | None:
    found = session.get(ChangeSet, change_set_id) if change_set_id else None
    if found is None:
        return None
    return {
        "id": found.id,
        "title": found.title,
        "summary": found.summary,
        "referenceUrl": found.reference_url,
        "path": f"/changesets/{found.id}",
    }


def approvers_of(session: Session, request_id: int) -> set[int]:
    """The people who approved the request: the ones whose approval went stale."""
    return set(
        session.scalars(
            select(Decision.approver_id).where(
                Decision.request_id == request_id,
                Decision.kind == DecisionKind.approve,
            )
        )
    )


def reachable(
    session: Session, user_ids: Iterable[int], *, skip: int | None, space_id: int
) -> list[Person]:
    """Of `user_ids`, the active people with an address who want approval email and
    may read the space now (a mail quotes its page titles and comments), less `skip`
    (whoever caused the event knows already); ordered by id."""
    wanted = space_readers(session, space_id, set(user_ids) - {skip})
    if not wanted:
        return []
    users = session.scalars(
        select(User)
        .where(
            User.id.in_(wanted),
            User.is_active.is_(True),
            User.email_notifications.is_(True),
            User.email.is_not(None),
            User.email != "",
        )
        .order_by(User.id)
    )
    return [Person(user.id, user.email or "", user.display_name) for user in users]


def event_actor(session: Session, message: Message) -> int | None:
    """Who caused the event: `actorId`, or for a stale approval the author of the
    version that made it stale (that event names versions, not people)."""
    payload = message.payload
    actor = payload.get("actorId")
    if isinstance(actor, int) and not isinstance(actor, bool):
        return actor
    page_id, number = payload.get("pageId"), payload.get("currentVersion")
    if isinstance(page_id, int) and isinstance(number, int):
        version = get_version(session, page_id, number)
        return version.author_id if version is not None else None
    return None


def account_user(session: Session, account_id: str) -> int | None:
    """The id of the person `account_id` names, if any."""
    return session.scalar(select(User.id).where(User.account_id == account_id))


def display_name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None else None


def may_still_read(session: Session, user_id: int, page_id: int) -> bool:
    """Whether the person an `email.send` is for may read its page now: active, and
    a member of its space or a site administrator. Checked again at sending, since a
    member removed after the event was fanned out must not get the mail."""
    user = session.get(User, user_id)
    page = session.get(Page, page_id)
    if user is None or page is None or not user.is_active:
        return False
    return bool(space_readers(session, page.space_id, (user_id,)))
