"""Pages as clients name them: a page from Confluence by its Confluence page id, any
other page by its own id. Every interface turns a client's page id into a page here,
and a page into the id it shows, so each page has exactly one name outside.

A Confluence page is a row with `source` `confluence:<site>` and its page id there in
`external_id`; its own `pages.id` names nothing from outside (it answers as an
unknown page would). One id on two sites names no page at all: it is refused
(`BadInput`) rather than guessed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    or_,
    select,
)
from sqlalchemy.orm import Session

from signoff.access import (
    MEMBER_OF_PAGE_SPACE,
    remember_membership,
    space_role,
    with_membership,
)
from signoff.connectors.confluence.source import PREFIX
from signoff.db.models import Page, SpaceMember, User
from signoff.domain.errors import BadInput, NotFound
from signoff.ids import MAX_ID


def is_confluence_page(page: Page) -> bool:
    """Whether clients name `page` by its Confluence page id: the same test as
    `_from_confluence` makes in SQL."""
    return page.source.startswith(PREFIX) and page.external_id is not None


def public_page_id(page: Page) -> str:
    """The id clients know `page` by: its Confluence page id, else its own id."""
    if is_confluence_page(page):
        assert page.external_id is not None
        return page.external_id
    return str(page.id)


def public_id_column(page: Any = Page) -> ColumnElement[str]:
    """`public_page_id` in SQL, for read models that select columns rather than pages;
    `page` is `Page` or an alias of it."""
    return case(
        (_from_confluence(page), page.external_id),
        else_=cast(page.id, String),
    )


def _from_confluence(page: Any = Page) -> ColumnElement[bool]:
    return and_(page.source.startswith(PREFIX), page.external_id.is_not(None))


def _naming(public_ids: Collection[int]) -> ColumnElement[bool]:
    """The pages the ids may name, by index: Confluence pages by their page id, and
    the other pages by their own id (which only an id in the stored range can be)."""
    texts = sorted({str(number) for number in public_ids})
    own = sorted({number for number in public_ids if number <= MAX_ID})
    confluence = and_(
        Page.external_id.in_(texts) if len(texts) > 1 else Page.external_id == texts[0],
        Page.source.startswith(PREFIX),
    )
    if not own:
        return confluence
    builtin = and_(
        Page.id.in_(own) if len(own) > 1 else Page.id == own[0],
        ~_from_confluence(),
    )
    return or_(confluence, builtin)


# Built once for the commonest question, one id: every API call on a page asks it.
_ONE_ID = or_(
    and_(
        Page.external_id == bindparam("text", type_=String),
        Page.source.startswith(PREFIX),
    ),
    and_(Page.id == bindparam("own", type_=Integer), ~_from_confluence()),
)
_ONE_PAGE = select(Page).where(_ONE_ID)
_ONE_PAGE_AS = (
    select(Page, SpaceMember)
    .outerjoin(SpaceMember, MEMBER_OF_PAGE_SPACE)
    .where(_ONE_ID)
)


def _one_id(public_id: int) -> dict[str, Any]:
    # An id beyond the stored range names no page of Signoff's own: no row has -1.
    return {"text": str(public_id), "own": public_id if public_id <= MAX_ID else -1}


class _Rows:
    """Rows `_naming` found, indexed the two ways an id may name one."""

    def __init__(self, pages: Iterable[Page]) -> None:
        self.confluence: dict[str, list[Page]] = {}
        self.own: dict[int, Page] = {}
        for page in pages:
            if is_confluence_page(page):
                assert page.external_id is not None
                self.confluence.setdefault(page.external_id, []).append(page)
            else:
                self.own[page.id] = page

    def named(self, public_id: int) -> Page | None:
        """The one page `public_id` names: a Confluence page with that page id
        outranks another page with that own id."""
        confluence = self.confluence.get(str(public_id), [])
        if len(confluence) > 1:
            sites = ", ".join(
                sorted(page.source.removeprefix(PREFIX) for page in confluence)
            )
            raise BadInput(
                f"Page {public_id} is a page id on more than one Confluence site "
                f"(sites {sites}), so it does not say which page is meant."
            )
        return confluence[0] if confluence else self.own.get(public_id)


def get_page_by_public_id(session: Session, public_id: int) -> Page | None:
    """The page `public_id` names, or None; one indexed statement.

    Raises `BadInput` when the id is a page id on several Confluence sites.
    """
    if public_id < 1:
        return None
    # At most one page per site, and one of Signoff's own: a handful of rows.
    return _Rows(session.scalars(_ONE_PAGE, _one_id(public_id))).named(public_id)


def get_pages_by_public_id(
    session: Session, public_ids: Collection[int]
) -> dict[int, Page]:
    """The pages the ids name, by id given (ids naming nothing are left out); one
    statement for the lot. Raises `BadInput` for an id on several Confluence sites."""
    wanted = {number for number in public_ids if number >= 1}
    if not wanted:
        return {}
    rows = _Rows(session.scalars(select(Page).where(_naming(wanted))))
    found = {number: rows.named(number) for number in wanted}
    return {number: page for number, page in found.items() if page is not None}


def public_page_ids(session: Session, page_ids: Collection[int]) -> dict[int, str]:
    """The public id of each page of `page_ids` (their own ids) that exists, for
    read models that hold pages by their own id; one statement."""
    wanted = set(page_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Page.id, public_id_column()).where(Page.id.in_(wanted))
    )
    return dict(rows.all())


def access_page_by_public_id(
    session: Session, user: User | None, public_id: int
) -> Page:
    """The page `public_id` names, if the user may read it (any role in its space);
    otherwise `NotFound`, worded as for any page that is not there. The page and
    the user's membership of its space are read in one statement."""
    page = None
    if public_id >= 1:
        rows = session.execute(
            _ONE_PAGE_AS, {**_one_id(public_id), **with_membership(user)}
        ).all()
        for _, member in rows:
            if member is not None:
                remember_membership(session, member)
        page = _Rows(found for found, _ in rows).named(public_id)
    if page is None or space_role(session, user, page.space_id) is None:
        raise NotFound(f"Page {public_id} not found.")
    return page
