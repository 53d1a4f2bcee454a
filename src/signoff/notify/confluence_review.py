"""What a write back to Confluence says, read from the database before any call.

`load_event` reads what a review event's comment needs (the page's Confluence id,
the review's thread, who acted, who is asked, the change set) in one short read;
`live_property` reads the `signoff-approval` value as it stands at the moment of
writing, so a write that is retried late still puts the newest state, never the
one of its own event. People are named by their Atlassian account on the page's
site (`confluence_accounts`), or by their display name when they have none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.connectors.confluence.source import site_of
from signoff.db.models import (
    ApprovalRequest,
    ChangeSet,
    ConfluenceAccount,
    ConfluenceThread,
    Page,
    Space,
    User,
)
from signoff.notify.approval_value import approval_value_json
from signoff.queries.approval_property import approval_property
from signoff.queries.audience import current_approvers, recorded_recipients

ASKING = ("approval.submitted", "approval.step_started")
Row = TypeVar("Row", ApprovalRequest, Page)


@dataclass(frozen=True)
class Person:
    name: str
    account_id: str | None
    """Their Atlassian account on the page's site, when one is mapped."""


@dataclass(frozen=True)
class ChangeSetFacts:
    title: str
    summary: str
    reference_url: str | None
    signoff_url: str


@dataclass(frozen=True)
class ReviewEvent:
    """One review event of a Confluence page, as its comment tells it."""

    event: str
    site_id: int
    request_id: int
    page_id: int
    confluence_page_id: str
    version: int
    review_url: str
    thread: str | None
    """The id of the footer comment the review's submission opened, once written."""
    actor: Person | None
    step: str | None
    approvers: tuple[Person, ...]
    decision: str | None
    comment: str
    current_version: int | None
    change_set: ChangeSetFacts | None
    change: tuple[int, str] | None = None
    """The version the review is read against and what changed since, as the
    review measured it when it opened; None for a first version."""


def load_event(
    session: Session, payload: Mapping[str, Any], *, base_url: str
) -> ReviewEvent | None:
    """The event a `confluence.write` message carries; None when nothing is owed
    any more (the review or its page was deleted, or the page left Confluence)."""
    data: Mapping[str, Any] = payload.get("data") or {}
    request = _get(session, ApprovalRequest, payload.get("requestId"))
    page = _get(session, Page, payload.get("pageId"))
    site_id = site_of(page.source) if page is not None else None
    if request is None or page is None or site_id is None or not page.external_id:
        return None
    space = session.get_one(Space, page.space_id)
    thread = session.get(ConfluenceThread, request.id)
    event = str(payload.get("event", ""))
    people = _People(session, site_id)
    step = data.get("step")
    if step is None and event == "approval.submitted" and request.steps:
        step = request.steps[0].name
    return ReviewEvent(
        event=event,
        site_id=site_id,
        request_id=request.id,
        page_id=page.id,
        confluence_page_id=page.external_id,
        version=request.page_version,
        review_url=f"{base_url}/spaces/{space.key}/pages/{page.external_id}",
        thread=thread.comment_id if thread is not None else None,
        actor=people.one(data.get("actorId")),
        step=None if step is None else str(step),
        approvers=people.many(_asked(session, event, data, request)),
        decision=_text_or_none(data.get("decision")),
        # An override's reason is its comment.
        comment=str(data.get("comment") or data.get("reason") or ""),
        current_version=_int_or_none(data.get("currentVersion")),
        change_set=_change_set(session, request.change_set_id, base_url),
        change=(
            (request.change_from, request.change_summary)
            if request.change_from is not None and request.change_summary
            else None
        ),
    )


def live_property(session: Session, page_id: int) -> dict[str, Any] | None:
    """The page's `signoff-approval` value now, people named by their Atlassian
    accounts (people with none are left out); None when the page stands on no
    review (never submitted, or reset to draft)."""
    page = session.get(Page, page_id)
    site_id = site_of(page.source) if page is not None else None
    if page is None or site_id is None:
        return None
    found = approval_property(session, page)
    if found is None:
        return None
    atlassian = dict(
        session.execute(
            select(User.account_id, ConfluenceAccount.account_id)
            .join(ConfluenceAccount, ConfluenceAccount.user_id == User.id)
            .where(ConfluenceAccount.site_id == site_id)
        ).all()
    )
    return approval_value_json(found.value, account=atlassian.get)


class _People:
    """Signoff users as the page's site knows them."""

    def __init__(self, session: Session, site_id: int) -> None:
        self.session, self.site_id = session, site_id

    def one(self, user_id: object) -> Person | None:
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            return None
        found = self.many([user_id])
        return found[0] if found else None

    def many(self, user_ids: Iterable[int]) -> tuple[Person, ...]:
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return ()
        rows = self.session.execute(
            select(User.id, User.display_name, ConfluenceAccount.account_id)
            .outerjoin(
                ConfluenceAccount,
                (ConfluenceAccount.user_id == User.id)
                & (ConfluenceAccount.site_id == self.site_id),
            )
            .where(User.id.in_(wanted))
        ).all()
        found = {user_id: Person(name, account) for user_id, name, account in rows}
        return tuple(found[user_id] for user_id in wanted if user_id in found)


def _asked(
    session: Session, event: str, data: Mapping[str, Any], request: ApprovalRequest
) -> list[int]:
    """Whom the event asks to decide: as recorded with it, else as the step is now."""
    if event not in ASKING:
        return []
    asked = recorded_recipients(data)
    if asked is None:
        asked = sorted(current_approvers(session, request))
    return asked


def _change_set(
    session: Session, change_set_id: int | None, base_url: str
) -> ChangeSetFacts | None:
    found = session.get(ChangeSet, change_set_id) if change_set_id else None
    if found is None:
        return None
    return ChangeSetFacts(
        title=found.title,
        summary=found.summary,
        reference_url=found.reference_url,
        signoff_url=f"{base_url}/changesets/{found.id}",
    )


def _get(session: Session, model: type[Row], row_id: object) -> Row | None:
    return session.get(model, row_id) if _is_id(row_id) else None


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
