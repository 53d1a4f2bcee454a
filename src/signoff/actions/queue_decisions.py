"""Deciding many reviews from the approval queue in one act: the approver selects
pages, each at the version the queue showed, and approves (or rejects, with one
comment) them all.

Each page goes through the engine under a savepoint of its own
(`actions.page_decisions`), so a page edited meanwhile or any other refusal is that
page's reason while the others are decided. Besides the engine's event per decision,
the act is audited as `approval.bulk_decided`, once per space it touched, on that
space's chain: each space's trail then tells its whole story and names no page of
another space.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.approvals import check_record_decision, decision_comment
from signoff.actions.audit import record_event
from signoff.actions.page_decisions import PageDecision, decide_page, lock_pages
from signoff.db.models import Page, User
from signoff.domain.errors import BadInput, NotFound, SignoffError
from signoff.domain.states import DecisionKind
from signoff.queries.page_refs import access_page_by_public_id

MAX_ITEMS = 100
"""How many pages one act may decide: a queue screen's worth and then some, small
enough that one transaction holds every page's lock briefly."""


@dataclass(frozen=True)
class Selected:
    """One selected queue item: the page's public id and the version it showed."""

    public_id: int
    version: int


def check_decide_queue_items(
    session: Session, page_ids: Sequence[int], *, actor: User
) -> set[int]:
    """Which of the pages (their own ids) `actor` may decide now, by
    `check_record_decision`; writes nothing. The queue offers a checkbox for these."""
    if not page_ids:
        return set()
    pages = session.scalars(select(Page).where(Page.id.in_(set(page_ids))))
    decidable = set()
    for page in pages:
        try:
            check_record_decision(session, page, actor=actor)
        except SignoffError:
            continue
        decidable.add(page.id)
    return decidable


def do_decide_queue_items(
    session: Session,
    selected: Sequence[Selected],
    kind: DecisionKind,
    *,
    comment: str | None,
    by: Acting[User],
) -> list[PageDecision]:
    """Decide each selected page at the version it showed; report each outcome in
    the order selected. Bad input (nothing or too much selected, a page selected
    twice, a rejection without a comment) is refused before anything is decided."""
    text = _check_selection(selected, kind, comment)
    found: dict[int, Page] = {}
    results: dict[int, PageDecision] = {}
    for item in selected:
        try:
            found[item.public_id] = access_page_by_public_id(
                session, by.actor, item.public_id
            )
        except NotFound as missing:
            results[item.public_id] = PageDecision(
                0, str(item.public_id), False, reason=missing.message
            )
    locked = lock_pages(session, [page.id for page in found.values()])
    for item in selected:
        if item.public_id in found:
            page = locked[found[item.public_id].id]
            results[item.public_id] = decide_page(
                session, page, kind, text, item.version, by
            )
    ordered = [results[item.public_id] for item in selected]
    _record_acts(session, kind, text, locked, ordered, by)
    return ordered


def _check_selection(
    selected: Sequence[Selected], kind: DecisionKind, comment: str | None
) -> str:
    """The comment, cleaned, once the selection is one the act may take."""
    if not selected:
        raise BadInput("Select at least one page to decide.", field="items")
    if len(selected) > MAX_ITEMS:
        raise BadInput(
            f"Select at most {MAX_ITEMS} pages at a time; "
            f"{len(selected)} were selected.",
            field="items",
        )
    ids = [item.public_id for item in selected]
    if len(set(ids)) != len(ids):
        raise BadInput("A page was selected twice.", field="items")
    text = decision_comment(comment, kind)
    return text


def _record_acts(
    session: Session,
    kind: DecisionKind,
    comment: str,
    pages: Mapping[int, Page],
    results: Sequence[PageDecision],
    by: Acting[User],
) -> None:
    """One `approval.bulk_decided` per space with a selected page the actor may
    read; a page they may not read belongs to no trail of theirs."""
    space_of = {page.id: page.space_id for page in pages.values()}
    verb = "approved" if kind is DecisionKind.approve else "rejected"
    for space_id in sorted(set(space_of.values())):
        mine = [r for r in results if space_of.get(r.page_id) == space_id]
        decided = [r for r in mine if r.success]
        record_event(
            session,
            "approval.bulk_decided",
            f"{by.actor.display_name} {verb} {len(decided)} of {len(mine)} "
            f"selected page(s) from the approval queue in one act.",
            by=by,
            space_id=space_id,
            details={
                "decision": kind.value,
                "comment": comment,
                "decidedCount": len(decided),
                "refusedCount": len(mine) - len(decided),
                "pageIds": [r.page_id for r in decided],
                "versions": {str(r.page_id): r.version for r in decided},
                "refused": {str(r.page_id): r.reason for r in mine if not r.success},
            },
        )
