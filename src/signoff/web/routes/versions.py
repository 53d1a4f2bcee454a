"""A page's old versions: open one (read-only), and compare any two.

`GET /spaces/{key}/pages/{id}/versions/{n}` shows version n as readers saw it;
`GET .../compare?from=a&to=b` shows what changed from a to b in the view the reader
picks (`?view=`), the same comparison the page view shows for a review. Anyone who
may read the page may read its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signoff.db.models import Page, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput, NotFound
from signoff.ids import PageId, stored_number
from signoff.queries.facts import get_version
from signoff.queries.page_compare import VersionComparison, compare_versions
from signoff.queries.page_refs import public_page_id
from signoff.web import context
from signoff.web.require_session import signed_in
from signoff.web.routes.pages import PAGE, VIEWS, page_in, page_url
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PageHeading:
    """The page the history belongs to, and the versions it has, newest first."""

    space_key: str
    public_id: str
    page_title: str
    current: int
    numbers: list[int]


@dataclass(frozen=True)
class VersionScreen:
    space_key: str
    public_id: str
    page_title: str
    number: int
    current: int
    title: str
    body: str
    author: str
    created_at: datetime
    message: str
    numbers: list[int]


def _version_number(raw: str | None, what: str) -> int:
    number = stored_number(raw or "")
    if number is None:
        raise BadInput(f"{what} must be a version number, such as 3.")
    return number


def _numbers(page: Page) -> list[int]:
    return list(range(page.current_version, 0, -1))


def load_version(
    db: Database, user_id: int, key: str, page_id: int, asked: str
) -> VersionScreen:
    with db.read() as session:
        page = page_in(session, session.get(User, user_id), key, page_id)
        number = _version_number(asked, "The version")
        version = get_version(session, page.id, number)
        if version is None:
            raise NotFound(f"Page {page_id} has no version {number}.")
        author = session.get(User, version.author_id) if version.author_id else None
        return VersionScreen(
            space_key=key,
            public_id=public_page_id(page),
            page_title=page.title,
            number=number,
            current=page.current_version,
            title=version.title,
            body=version.body,
            author=author.display_name if author else "—",
            created_at=version.created_at,
            message=version.message,
            numbers=_numbers(page),
        )


def load_comparison(
    db: Database, user_id: int, key: str, page_id: int, asked: tuple[str, str]
) -> tuple[PageHeading, VersionComparison]:
    """The page first, so that a page that is not there is named before any
    version number it was asked with."""
    with db.read() as session:
        page = page_in(session, session.get(User, user_id), key, page_id)
        older = _version_number(asked[0], "Compare version")
        newer = _version_number(asked[1], "With version")
        comparison = compare_versions(session, page, older, newer)
        heading = PageHeading(
            key, public_page_id(page), page.title, page.current_version, _numbers(page)
        )
        return heading, comparison


@router.get(PAGE + "/versions/{number}")
async def view_version(
    request: Request, key: str, page_id: PageId, number: str
) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    screen = await run_in_threadpool(
        load_version, context.database(request), current.user_id, key, page_id, number
    )
    return render(
        request,
        "page_version.html",
        {
            "current": current,
            "screen": screen,
            "page_url": page_url(key, screen.public_id),
        },
    )


@router.get(PAGE + "/compare")
async def compare(request: Request, key: str, page_id: PageId) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    params = request.query_params
    screen, comparison = await run_in_threadpool(
        load_comparison,
        context.database(request),
        current.user_id,
        key,
        page_id,
        (params.get("from", ""), params.get("to", "")),
    )
    view = params.get("view")
    older, newer = comparison.old_version, comparison.new_version
    here = f"{page_url(key, screen.public_id)}/compare?from={older}&to={newer}"
    return render(
        request,
        "page_compare.html",
        {
            "current": current,
            "screen": screen,
            "cmp": comparison,
            "view": view if view in VIEWS and view != "page" else "changes",
            "view_url": here,
            "page_tab": False,
            "page_url": page_url(key, screen.public_id),
        },
    )
