"""What the web UI shows of comments: a page's threads, and a person's mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from signoff.db.aliases import shared_alias
from signoff.db.models import Comment, Mention, Page, Space, SpaceMember, User
from signoff.queries.page_refs import public_id_column
from signoff.storage_format.mentions import mentioned_accounts, with_mentions_named

_author = shared_alias(User, "author")
_TAG = re.compile(r"<[^>]+>")
EXCERPT = 200


@dataclass(frozen=True)
class ThreadComment:
    id: int
    parent_id: int | None
    author: str | None
    """None for the system's comments."""
    body: str
    created_at: datetime


def page_comments(session: Session, page_id: int) -> list[ThreadComment]:
    """The page's comments, each thread's root followed by its replies, oldest first;
    one statement."""
    rows = session.execute(
        select(
            Comment.id,
            Comment.parent_id,
            _author.display_name,
            Comment.body,
            Comment.created_at,
        )
        .outerjoin(_author, _author.id == Comment.author_id)
        .where(Comment.page_id == page_id)
        .order_by(Comment.id)
    ).all()
    comments = [ThreadComment(*row) for row in rows]
    replies: dict[int, list[ThreadComment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    ordered: list[ThreadComment] = []

    def add(comment: ThreadComment) -> None:
        ordered.append(comment)
        for reply in replies.get(comment.id, []):
            add(reply)

    known = {comment.id for comment in comments}
    for comment in comments:
        if comment.parent_id is None or comment.parent_id not in known:
            add(comment)
    return ordered


def display_names(session: Session, account_ids: set[str]) -> dict[str, str]:
    if not account_ids:
        return {}
    rows = session.execute(
        select(User.account_id, User.display_name).where(
            User.account_id.in_(account_ids)
        )
    ).all()
    return {row[0]: row[1] for row in rows}


def members_by_username(
    session: Session, space_id: int, usernames: set[str]
) -> dict[str, str]:
    """Account ids of the space's active members among `usernames`, by username."""
    if not usernames:
        return {}
    members = select(SpaceMember.user_id).where(SpaceMember.space_id == space_id)
    rows = session.execute(
        select(User.username, User.account_id).where(
            User.username.in_(usernames),
            User.is_active.is_(True),
            User.id.in_(members),
        )
    ).all()
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class InboxItem:
    mention_id: int
    page_id: int
    page_title: str
    space_key: str
    author: str | None
    excerpt: str
    created_at: datetime
    unread: bool
    public_id: str
    """The page's id as clients name it, in links (`queries.page_refs`)."""


def inbox(session: Session, user_id: int, *, limit: int = 50) -> list[InboxItem]:
    """The person's mentions, newest first, on pages they can still see."""
    visible = select(SpaceMember.space_id).where(SpaceMember.user_id == user_id)
    rows = session.execute(
        select(
            Mention.id,
            Page.id,
            Page.title,
            Space.key,
            _author.display_name,
            Comment.body,
            Mention.created_at,
            Mention.read_at,
            User.is_site_admin,
            public_id_column(),
        )
        .join(Comment, Comment.id == Mention.comment_id)
        .join(Page, Page.id == Mention.page_id)
        .join(Space, Space.id == Page.space_id)
        .join(User, User.id == Mention.user_id)
        .outerjoin(_author, _author.id == Comment.author_id)
        .where(Mention.user_id == user_id)
        .order_by(Mention.id.desc())
        .limit(limit)
    ).all()
    member_of = set(session.scalars(visible))
    names = display_names(
        session, {a for row in rows for a in mentioned_accounts(row[5])}
    )
    spaces = dict(session.execute(select(Space.key, Space.id)).all()) if rows else {}
    return [
        InboxItem(
            mention_id=row[0],
            page_id=row[1],
            page_title=row[2],
            space_key=row[3],
            author=row[4],
            excerpt=_excerpt(with_mentions_named(row[5], names, as_html=False)),
            created_at=row[6],
            unread=row[7] is None,
            public_id=row[9],
        )
        for row in rows
        if row[8] or spaces.get(row[3]) in member_of
    ]


def unread_mentions_count(user_id: int) -> Select[int]:
    """The statement counting unread mentions on pages the person can still see, as
    `inbox` lists them: a member removed from a space is not told, even by a count,
    what happens there. The navigation embeds it in its own statement."""
    visible = select(SpaceMember.space_id).where(SpaceMember.user_id == user_id)
    site_admin = select(User.is_site_admin).where(User.id == user_id).scalar_subquery()
    return (
        select(func.count())
        .select_from(Mention)
        .join(Page, Page.id == Mention.page_id)
        .where(
            Mention.user_id == user_id,
            Mention.read_at.is_(None),
            or_(site_admin.is_(True), Page.space_id.in_(visible)),
        )
    )


def unread_mentions(session: Session, user_id: int) -> int:
    """How many of the person's mentions are unread (`unread_mentions_count`)."""
    return int(session.scalar(unread_mentions_count(user_id)) or 0)


def _excerpt(body: str) -> str:
    """The comment as plain text, mentions kept as markup-free names."""
    text = " ".join(unescape(_TAG.sub(" ", body)).split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
