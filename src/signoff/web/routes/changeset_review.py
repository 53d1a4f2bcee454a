"""A change set reviewed on one page, as a pull request's changed files are.

`GET /changesets/{id}/review` lists every page of the set at the top (status and the
change each review measured when it opened) and shows one screen of pages in full
(`?page=N`, `SCREEN_SIZE` a screen): status, steps, decisions, what the review
changes in the view asked for (`?view=`), and Approve and Reject where the person may
decide (`web.byline.may_decide`). Those forms post to the page actions with `next`,
which bring the person back to the page's section here (`web.back_to`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signoff.access import access_change_set
from signoff.db.models import Space, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.ids import Id, stored_number
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
from signoff.web.require_session import signed_in
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
        )


@router.get("/changesets/{change_set_id}/review")
async def review_changeset(request: Request, change_set_id: Id) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    params = request.query_params
    screen = screen_number(params.get("page"))
    view = params.get("view")
    view = view if view in VIEWS else "changes"
    review = await run_in_threadpool(
        load_review, context.database(request), current.user_id, change_set_id, screen
    )
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
        },
    )
