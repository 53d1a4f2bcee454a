"""Read models of footer comments: a page's top-level comments, replies, one comment.

A comment is visible to whoever may see its page; the system's comments have no
author. Lists are keyset-paginated (`queries.keyset`), oldest first by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signoff.access import space_role
from signoff.db.aliases import shared_alias
from signoff.db.models import Comment, Page, Space, User
from signoff.domain.errors import NotFound
from signoff.queries.keyset import Order, Window, named_order, paginate

_author = shared_alias(User, "author")


@dataclass(frozen=True)
class CommentView:
    id: int
    page_id: int
    page_title: str
    space_key: str
    parent_id: int | None
    author_id: str | None
    """None for the system's comments."""
    created_at: datetime
    body: str | None


COMMENT_ORDERS = {
    "created-date": Order(None, Comment.id),
    "-created-date": Order(None, Comment.id, descending=True),
    "modified-date": Order(None, Comment.id),
    "-modified-date": Order(None, Comment.id, descending=True),
}


def _comment_query(with_body: bool) -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = (
        select(
            Comment.id,
            Comment.page_id,
            Page.title,
            Space.key,
            Comment.parent_id,
            _author.account_id,
            Comment.created_at,
        )
        .join(Page, Page.id == Comment.page_id)
        .join(Space, Space.id == Page.space_id)
        .outerjoin(_author, _author.id == Comment.author_id)
    )
    return query.add_columns(Comment.body) if with_body else query


def _comment_view(row: Any, with_body: bool) -> CommentView:
    ident, page_id, title, key, parent, author, created = tuple(row)[:7]
    body = row[7] if with_body else None
    return CommentView(ident, page_id, title, key, parent, author, created, body)


def list_comments(
    session: Session,
    page: Page,
    window: Window,
    *,
    parent_id: int | None = None,
    with_body: bool = False,
) -> tuple[list[CommentView], str | None]:
    """The page's top-level comments, or the replies to `parent_id`, oldest first."""
    order = named_order(COMMENT_ORDERS, window.order)
    parent = (
        Comment.parent_id.is_(None)
        if parent_id is None
        else Comment.parent_id == parent_id
    )
    query = _comment_query(with_body).where(Comment.page_id == page.id, parent)
    rows, cursor = paginate(session, query, order, window)
    return [_comment_view(row, with_body) for row in rows], cursor


def access_comment(
    session: Session, user: User, comment_id: int, *, with_body: bool = False
) -> CommentView:
    """A comment on a page the user may see; `NotFound` otherwise."""
    row = session.execute(
        _comment_query(with_body).where(Comment.id == comment_id)
    ).first()
    if row is None:
        raise NotFound(f"Comment {comment_id} not found.")
    page = session.get(Page, row.page_id)
    if page is None or space_role(session, user, page.space_id) is None:
        raise NotFound(f"Comment {comment_id} not found.")
    return _comment_view(row, with_body)
