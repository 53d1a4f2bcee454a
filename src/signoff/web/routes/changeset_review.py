"""A change set reviewed on one page, as a pull request's changed files are.

`GET /changesets/{id}/review` lists every page of the set at the top (status and the
change each review measured when it opened) and shows one screen of pages in full
(`?page=N`, `SCREEN_SIZE` a screen): status, steps, decisions, what the review
changes in the view asked for (`?view=`), and Approve and Reject where the person may
decide (`web.byline.may_decide`). Those forms post to the page actions with `next`,
which bring the person back to the page's section here (`web.back_to`). "Approve all"
and "Reject all" post to `POST /changesets/{id}/decide`, which decides every page the
person may decide in one act and shows each page's outcome here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signoff.access import access_change_set
from signoff.actions.acting import Acting
from signoff.actions.changeset_decisions import (
    check_decide_change_set,
    do_decide_change_set,
)
from signoff.actions.page_decisions import PageDecision
from signoff.actions.unit import unit_of_work
from signoff.db.models import Space, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, Origin
from signoff.ids import MAX_PAGE_ID, Id, stored_number
from signoff.queries.changeset_review import (
    SCREEN_SIZE,
    ReviewNote,
    ReviewSection,
    review_notes,
    review_sections,
)
from signoff.queries.changesets import ChangeSetDetail, change_set_detail
from signoff.web import context
from signoff.web.byline import may_decide
from signoff.web.field_labels import for_people
from signoff.web.forms import PICKER_FIELDS, PICKER_FORM_BYTES, FormValues, first
from signoff.web.refusals import FORM_REFUSALS
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)
VIEWS = ("changes", "side", "source")
FOLD_BODY_AT = 2000
"""A page shown whole (nothing to compare) folds into `<details>` past this many
characters of stored body."""


@dataclass(frozen=True)
class ReviewScreen:
    space: Space
    detail: ChangeSetDetail
    notes: dict[int, ReviewNote]
    screen: int
    screens: int
    sections: list[tuple[ReviewSection, bool]]
    """This screen's pages, each with whether the person may decide it now."""
    decidable: dict[str, int] = field(default_factory=dict)
    """Every page of the set the person may decide now (public id: the version
    under review): "Approve all" and "Reject all" are offered when there is one."""


def screen_number(raw: str | None) -> int:
    """The screen `?page=` asks for; the first when it is not given."""
    if raw is None or raw == "":
        return 1
    number = stored_number(raw)
    if number is None:
        raise BadInput("The review page must be a number, such as 2.")
    return number


def load_review(
    db: Database, user_id: int, change_set_id: int, screen: int
) -> ReviewScreen:
    with db.read() as session:
        user = session.get(User, user_id)
        assert user is not None
        change_set = access_change_set(session, user, change_set_id)
        space = session.get(Space, change_set.space_id)
        assert space is not None
        detail = change_set_detail(session, change_set)
        screens = max(1, -(-len(detail.page_refs) // SCREEN_SIZE))
        if screen > screens:
            raise BadInput(
                f"This review has {screens} page(s) of sections; "
                f"there is no page {screen}."
            )
        shown = [
            ref.page_id
            for ref in detail.page_refs[(screen - 1) * SCREEN_SIZE :][:SCREEN_SIZE]
        ]
        sections = review_sections(session, shown)
        return ReviewScreen(
            space=space,
            detail=detail,
            notes=review_notes(session, change_set.id),
            screen=screen,
            screens=screens,
            sections=[
                (section, may_decide(session, section.page, user))
                for section in sections
            ],
            decidable=check_decide_change_set(session, change_set, actor=user),
        )


@router.get("/changesets/{change_set_id}/review")
async def review_changeset(request: Request, change_set_id: Id) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    params = request.query_params
    screen = screen_number(params.get("page"))
    return await _show(request, current, change_set_id, screen, params.get("view"))


async def _show(
    request: Request,
    current: CurrentSession,
    change_set_id: int,
    screen: int,
    view: str | None,
    *,
    status: int = 200,
    **shown: Any,
) -> Response:
    """The review page, with what the person just did (`shown`) above it."""
    view = view if view in VIEWS else "changes"
    review = await run_in_threadpool(
        load_review, context.database(request), current.user_id, change_set_id, screen
    )
    if "decided" in shown:
        titles = {ref.public_id: ref.title for ref in review.detail.page_refs}
        shown["decided"] = [
            (result, titles.get(result.public_id, f"Page {result.public_id}"))
            for result in shown["decided"]
        ]
    here = f"/changesets/{change_set_id}/review?page={screen}"
    return render(
        request,
        "changeset_review.html",
        {
            "current": current,
            "csrf_token": current.csrf_token,
            "review": review,
            "view": view,
            "view_url": here,
            "back": f"{here}&view={view}",
            "page_tab": False,
            "screen_size": SCREEN_SIZE,
            "fold_at": FOLD_BODY_AT,
            **shown,
        },
        status=status,
    )


def decision_kind(raw: str) -> DecisionKind:
    """The button pressed: "Approve all" or "Reject all"."""
    if raw not in ("approve", "reject"):
        raise BadInput("Choose Approve all or Reject all.", field="decision")
    return DecisionKind(raw)


def seen_versions(form: FormValues) -> dict[str, int]:
    """The versions the page showed, sent back as `seen=PAGE=VERSION` fields."""
    seen: dict[str, int] = {}
    for value in form.get("seen", []):
        page, _, version = value.partition("=")
        page_id, number = stored_number(page, MAX_PAGE_ID), stored_number(version)
        if page_id is None or number is None:
            raise BadInput("The page versions sent with the form are not valid.")
        seen[str(page_id)] = number
    return seen


def decide_all(
    db: Database,
    current: CurrentSession,
    change_set_id: int,
    form: FormValues,
    now: datetime,
) -> list[PageDecision]:
    kind = decision_kind(first(form, "decision"))
    seen = seen_versions(form)
    with unit_of_work(db, origin=Origin.ui) as session:
        user = session.get_one(User, current.user_id)
        change_set = access_change_set(session, user, change_set_id)
        return do_decide_change_set(
            session,
            change_set,
            kind,
            comment=first(form, "comment"),
            versions=seen,
            by=Acting(user, Origin.ui, None, now),
        )


def outcome_sentence(kind: str, results: list[PageDecision]) -> str:
    decided = sum(result.success for result in results)
    verb = "Rejected" if kind == "reject" else "Approved"
    return f"{verb} {decided} of {len(results)} page(s) in this change set."


@router.post("/changesets/{change_set_id}/decide")
async def decide_changeset(request: Request, change_set_id: Id) -> Response:
    posted = await signed_in_form(
        request, limit=PICKER_FORM_BYTES, max_fields=PICKER_FIELDS
    )
    if isinstance(posted, Response):
        return posted
    current, form = posted
    screen = stored_number(first(form, "screen")) or 1
    view = first(form, "view")
    try:
        results = await run_in_threadpool(
            decide_all,
            context.database(request),
            current,
            change_set_id,
            form,
            context.now(request),
        )
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        return await _show(
            request,
            current,
            change_set_id,
            screen,
            view,
            status=shown.status,
            decide_error=shown.sentence,
        )
    return await _show(
        request,
        current,
        change_set_id,
        screen,
        view,
        decided=results,
        decided_message=outcome_sentence(first(form, "decision"), results),
    )
