"""Read models of the built-in page store: spaces, pages and their versions.

Lists are keyset-paginated (`queries.keyset`); bodies are read only when the caller
asks for them. A caller sees the spaces they belong to, site administrators all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from signoff.db.aliases import shared_alias
from signoff.db.models import Page, PageVersion, Space, SpaceMember, User
from signoff.domain.errors import BadInput, NotFound
from signoff.queries.keyset import (
    Order,
    Window,
    key_width,
    named_order,
    paginate,
    sort_columns,
)
from signoff.queries.page_refs import public_id_column

_creator = shared_alias(User, "creator")
_author = shared_alias(User, "author")


def visible_space_ids(user: User) -> Select[*tuple[Any, ...]] | None:
    """The spaces a user belongs to, as a subquery; None for site administrators."""
    if user.is_site_admin:
        return None
    return select(SpaceMember.space_id).where(SpaceMember.user_id == user.id)


@dataclass(frozen=True)
class SpaceView:
    id: int
    key: str
    name: str
    created_at: datetime
    created_by: str | None


SPACE_ORDERS = {
    "id": Order(None, Space.id),
    "-id": Order(None, Space.id, descending=True),
    "key": Order(Space.key, Space.id),
    "-key": Order(Space.key, Space.id, descending=True),
    "name": Order(Space.name, Space.id),
    "-name": Order(Space.name, Space.id, descending=True),
}


def list_spaces(
    session: Session,
    user: User,
    window: Window,
    *,
    ids: Sequence[int] = (),
    keys: Sequence[str] = (),
) -> tuple[list[SpaceView], str | None]:
    order = named_order(SPACE_ORDERS, window.order)
    query = sort_columns(order).add_columns(
        Space.key, Space.name, Space.created_at, _creator.account_id
    )
    query = query.select_from(Space).outerjoin(
        _creator, _creator.id == Space.created_by
    )
    mine = visible_space_ids(user)
    if mine is not None:
        query = query.where(Space.id.in_(mine))
    if ids:
        query = query.where(Space.id.in_(ids))
    if keys:
        query = query.where(Space.key.in_(keys))
    rows, cursor = paginate(session, query, order, window)
    width = key_width(order)
    return [SpaceView(row[width - 1], *tuple(row)[width:]) for row in rows], cursor


def get_space_view(session: Session, space: Space) -> SpaceView:
    creator = session.get(User, space.created_by) if space.created_by else None
    return SpaceView(
        space.id,
        space.key,
        space.name,
        space.created_at,
        creator.account_id if creator else None,
    )


@dataclass(frozen=True)
class VersionView:
    number: int
    title: str
    message: str
    created_at: datetime
    author_id: str | None
    body: str | None
    """Read only when asked for."""


@dataclass(frozen=True)
class PageView:
    id: int
    space_id: int
    space_key: str
    parent_id: int | None
    status: str
    created_at: datetime
    created_by: str | None
    version: VersionView

    @property
    def title(self) -> str:
        return self.version.title


PAGE_ORDERS = {
    "id": Order(None, Page.id),
    "-id": Order(None, Page.id, descending=True),
    "created-date": Order(Page.created_at, Page.id),
    "-created-date": Order(Page.created_at, Page.id, descending=True),
    "modified-date": Order(Page.updated_at, Page.id),
    "-modified-date": Order(Page.updated_at, Page.id, descending=True),
    "title": Order(Page.title, Page.id),
    "-title": Order(Page.title, Page.id, descending=True),
}
ANY_STATUS = "any"
PAGE_STATUSES = (
    "current",
    "archived",
    "deleted",
    "trashed",
    "draft",
    "historical",
    ANY_STATUS,
)
DEFAULT_PAGE_STATUSES = ("current", "archived")


@dataclass(frozen=True)
class PageFilter:
    """What a page list keeps; empty sequences (and status `any`) keep everything."""

    space_ids: Sequence[int] = ()
    page_ids: Sequence[int] = ()
    titles: Sequence[str] = ()
    statuses: Sequence[str] = DEFAULT_PAGE_STATUSES
    root_only: bool = False


def _page_columns(with_body: bool) -> list[Any]:
    return [
        Page.space_id,
        Space.key,
        Page.parent_id,
        Page.status,
        Page.created_at,
        _creator.account_id,
        PageVersion.number,
        PageVersion.title,
        PageVersion.message,
        PageVersion.created_at,
        _author.account_id,
        *([PageVersion.body] if with_body else []),
    ]


def _page_query(
    query: Select[*tuple[Any, ...]], with_body: bool, version: Any
) -> Select[*tuple[Any, ...]]:
    return (
        query.add_columns(*_page_columns(with_body))
        .select_from(Page)
        .join(Space, Space.id == Page.space_id)
        .join(PageVersion, and_(PageVersion.page_id == Page.id, version))
        .outerjoin(_creator, _creator.id == Page.created_by)
        .outerjoin(_author, _author.id == PageVersion.author_id)
    )


def _page_view(page_id: int, fields: Sequence[Any], with_body: bool) -> PageView:
    space_id, key, parent, status, created, creator, *rest = fields
    number, title, message, at, author, *body = rest
    version = VersionView(
        number, title, message, at, author, body[0] if with_body else None
    )
    return PageView(page_id, space_id, key, parent, status, created, creator, version)


def list_pages(
    session: Session,
    user: User,
    window: Window,
    kept: PageFilter,
    *,
    with_body: bool = False,
) -> tuple[list[PageView], str | None]:
    """Pages the user may see, at their current versions."""
    order = named_order(PAGE_ORDERS, window.order)
    unknown = sorted(set(kept.statuses) - set(PAGE_STATUSES))
    if unknown:
        raise BadInput(
            f"status must be among {', '.join(PAGE_STATUSES)}; not {unknown[0]}.",
            field="status",
        )
    query = _page_query(
        sort_columns(order), with_body, PageVersion.number == Page.current_version
    )
    mine = visible_space_ids(user)
    if mine is not None:
        query = query.where(Page.space_id.in_(mine))
    statuses = () if ANY_STATUS in kept.statuses else kept.statuses
    for column, values in (
        (Page.space_id, kept.space_ids),
        (Page.id, kept.page_ids),
        (Page.title, kept.titles),
        (Page.status, statuses),
    ):
        if values:
            query = query.where(column.in_(values))
    if kept.root_only:
        query = query.where(Page.parent_id.is_(None))
    rows, cursor = paginate(session, query, order, window)
    width = key_width(order)
    views = [_page_view(row[width - 1], tuple(row)[width:], with_body) for row in rows]
    return views, cursor


def get_page_view(
    session: Session, page: Page, *, number: int | None = None, with_body: bool = False
) -> PageView:
    """The page at its current version, or at version `number` (`NotFound` if none)."""
    wanted = page.current_version if number is None else number
    query = _page_query(select(Page.id), with_body, PageVersion.number == wanted).where(
        Page.id == page.id
    )
    row = session.execute(query).first()
    if row is None:
        raise NotFound(f"Page {page.id} has no version {wanted}.")
    return _page_view(page.id, tuple(row)[1:], with_body)


VERSION_ORDERS = {
    "-modified-date": Order(None, PageVersion.number, descending=True),
    "modified-date": Order(None, PageVersion.number),
}


def list_versions(
    session: Session, page: Page, window: Window, *, with_body: bool = False
) -> tuple[list[VersionView], str | None]:
    """The page's versions, newest first unless the order says otherwise."""
    order = named_order(VERSION_ORDERS, window.order)
    query: Select[*tuple[Any, ...]] = (
        select(
            PageVersion.number,
            PageVersion.title,
            PageVersion.message,
            PageVersion.created_at,
            _author.account_id,
        )
        .outerjoin(_author, _author.id == PageVersion.author_id)
        .where(PageVersion.page_id == page.id)
    )
    if with_body:
        query = query.add_columns(PageVersion.body)
    rows, cursor = paginate(session, query, order, window)
    views = [
        VersionView(
            row[0], row[1], row[2], row[3], row[4], row[5] if with_body else None
        )
        for row in rows
    ]
    return views, cursor


def list_page_choices(session: Session, space_id: int) -> list[tuple[str, str]]:
    """The space's current pages as a picker offers them: (id, title), by title, the
    id as clients name the page (`queries.page_refs`)."""
    rows = session.execute(
        select(public_id_column(), Page.title)
        .where(Page.space_id == space_id, Page.status == "current")
        .order_by(Page.title, Page.id)
    )
    return [(public_id, title) for public_id, title in rows]
