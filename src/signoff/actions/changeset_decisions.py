"""Deciding a whole change set in one act: one approver approves (or rejects, with one
comment) every page of a set whose pending review they hold a seat on.

Each page's decision goes through the engine (`do_record_decision`) at the version the
approver saw, under a savepoint of its own, so one page's refusal (it was edited
meanwhile, the approver wrote it, has no seat, already decided) leaves the others
decided and nothing half-written; the act itself is audited once, as
`changeset.decided`, next to the engine's own event per decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.approvals import check_record_decision, decision_comment
from signoff.actions.audit import record_event
from signoff.actions.page_decisions import PageDecision, decide_page, lock_pages
from signoff.db.models import ChangeSet, Page, User
from signoff.domain.errors import BadInput, InvalidState, SignoffError
from signoff.domain.states import ChangeSetStatus, DecisionKind, Role
from signoff.queries.facts import latest_request
from signoff.queries.page_refs import public_page_id


def check_decide_change_set(
    session: Session, change_set: ChangeSet, *, actor: User
) -> dict[str, int]:
    """The set's pages `actor` may decide on now (by `check_record_decision`), each
    public id with the version under review; writes nothing. The review page offers
    "Approve all" exactly when this is not empty, and sends these versions back as
    the ones the approver saw."""
    decidable: dict[str, int] = {}
    for page in _pages(session, change_set):
        try:
            check_record_decision(session, page, actor=actor)
        except SignoffError:
            continue
        request = latest_request(session, page)
        assert request is not None  # the check passed: a review is pending
        decidable[public_page_id(page)] = request.page_version
    return decidable


def do_decide_change_set(
    session: Session,
    change_set: ChangeSet,
    kind: DecisionKind,
    *,
    comment: str | None,
    versions: Mapping[str, int] | None = None,
    by: Acting[User],
) -> list[PageDecision]:
    """Decide every page of the set the approver may decide; report the rest.

    `versions` maps a page's public id to the version the approver saw; a page it
    does not name is decided at the version under review. A named version that is
    not the one under review is refused by the engine (the page moved on).
    """
    require_role(
        session,
        by.actor,
        change_set.space_id,
        Role.viewer,
        action="decide on approvals",
        change_set_id=change_set.id,
    )
    text = decision_comment(comment, kind)
    if change_set.status == ChangeSetStatus.archived:
        raise InvalidState(
            f"Change set '{change_set.title}' is archived and read-only."
        )
    pages = _pages(session, change_set, lock=True)
    seen = dict(versions or {})
    _check_versions_named(pages, seen)
    results = [
        decide_page(session, page, kind, text, seen.get(public_page_id(page)), by)
        for page in pages
    ]
    _record_act(session, change_set, kind, text, results, by)
    return results


def _pages(
    session: Session, change_set: ChangeSet, *, lock: bool = False
) -> list[Page]:
    """The set's pages in its order; with `lock`, locked up front (`lock_pages`)."""
    ids = [ref.page_id for ref in change_set.page_refs]
    if lock:
        found = lock_pages(session, ids)
    else:
        query = select(Page).where(Page.id.in_(ids))
        found = {page.id: page for page in session.scalars(query)}
    return [found[page_id] for page_id in ids if page_id in found]


def _check_versions_named(pages: Sequence[Page], versions: Mapping[str, int]) -> None:
    """Every page `versions` names must be one of the set's."""
    known = {public_page_id(page) for page in pages}
    for public_id in versions:
        if public_id not in known:
            raise BadInput(
                f"versions: page {public_id[:40]} is not in this change set.",
                field=f"versions.{public_id[:40]}",
            )


def _record_act(
    session: Session,
    change_set: ChangeSet,
    kind: DecisionKind,
    comment: str,
    results: Sequence[PageDecision],
    by: Acting[User],
) -> None:
    decided = [result for result in results if result.success]
    verb = "approved" if kind is DecisionKind.approve else "rejected"
    record_event(
        session,
        "changeset.decided",
        f"{by.actor.display_name} {verb} {len(decided)} of {len(results)} page(s) "
        f"of change set '{change_set.title}' in one act.",
        by=by,
        space_id=change_set.space_id,
        change_set_id=change_set.id,
        details={
            "decision": kind.value,
            "comment": comment,
            "decidedCount": len(decided),
            "skippedCount": len(results) - len(decided),
            "pageIds": [result.page_id for result in decided],
            "versions": {str(r.page_id): r.version for r in decided},
            "skipped": {str(r.page_id): r.reason for r in results if not r.success},
        },
    )
