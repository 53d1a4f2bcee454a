"""Footer comments on pages: people's comments, and the review thread the system keeps.

A submission opens a thread (a comment by the system, `author_id` None) that mentions
the first step's approvers; each decision is replied in that thread, and so is the
start of a further step. System comments are written in the transaction of the action
they report, so a rolled-back action leaves no comment behind. Every value put into
their markup is escaped, and the result is sanitised like any other body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, cast
from urllib.parse import quote, urlsplit

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Integer,
    Table,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from signoff.access import require_role
from signoff.actions.acting import Acting
from signoff.actions.appends import append_many
from signoff.actions.audit import record_event
from signoff.actions.validate import clean_text
from signoff.db.models import (
    ApprovalRequest,
    ChangeSet,
    Comment,
    Decision,
    Group,
    Mention,
    Page,
    RequestStep,
    Space,
    SpaceMember,
    User,
)
from signoff.domain.errors import BadInput
from signoff.domain.states import DecisionKind, RequestStatus, Role
from signoff.queries.page_refs import public_page_id
from signoff.storage_format.mentions import mentioned_accounts
from signoff.storage_format.sanitise import sanitise_body

MAX_COMMENT_BODY = 100_000


def do_post_comment(
    session: Session,
    page: Page,
    *,
    body: str,
    parent_id: int | None,
    by: Acting[User],
) -> Comment:
    """A member's comment (any role may comment), or a reply when `parent_id` is set.

    A reply joins its parent's thread, and so the review the thread belongs to.
    """
    require_role(
        session, by.actor, page.space_id, Role.viewer, action="comment", page_id=page.id
    )
    parent = _parent(session, page, parent_id)
    comment = Comment(
        page_id=page.id,
        parent_id=parent.id if parent else None,
        author_id=by.actor.id,
        page_version=page.current_version,
        body=_clean_body(body),
        request_id=parent.request_id if parent else None,
        created_at=by.now,
    )
    session.add(comment)
    session.flush()
    record_mentions(session, comment, page.space_id, now=by.now)
    record_event(
        session,
        "comment.created",
        f"{by.actor.display_name} commented on '{page.title}'.",
        by=by,
        space_id=page.space_id,
        page_id=page.id,
        page_version=page.current_version,
        request_id=comment.request_id,
        details={"commentId": comment.id, "parentId": comment.parent_id},
    )
    return comment


def _parent(session: Session, page: Page, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.page_id != page.id:
        raise BadInput(
            f"parentCommentId {parent_id} is not a comment on this page.",
            field="parentCommentId",
        )
    return parent


def _clean_body(body: str) -> str:
    if not isinstance(body, str):
        raise BadInput("body must be text.", field="body")
    if len(body) > MAX_COMMENT_BODY:
        raise BadInput(
            f"body is longer than {MAX_COMMENT_BODY} characters.", field="body"
        )
    cleaned = sanitise_body(body).strip()
    if not cleaned:
        raise BadInput("body must not be empty.", field="body")
    return cleaned


def comment_on_submission(
    session: Session,
    request: ApprovalRequest,
    *,
    submitter: User,
    change_set: ChangeSet | None,
    now: datetime,
    approvers: Approvers | None = None,
) -> int:
    """Open the review's thread: who asked, for which version, and who should look.

    `approvers` is `step_approvers` of the first step, when the caller has it already.
    """
    first = request.steps[0]
    if approvers is None:
        approvers = step_approvers(session, first, request.space_id)
    parts = [
        f"<p>{escape(submitter.display_name)} requested approval of version "
        f"{request.page_version}.</p>",
        f"<p>Step {_quoted(first.name)}: {approvers.markup}</p>",
    ]
    change = _change_markup(session, request)
    if change:
        parts.append(change)
    if change_set is not None:
        parts.append(_change_set_markup(change_set))
    return _system_comment(
        session,
        request,
        "".join(parts),
        parent=None,
        now=now,
        mentioned=approvers.mentionable,
    )


def reply_with_decision(
    session: Session,
    request: ApprovalRequest,
    step: RequestStep,
    *,
    approver: User,
    kind: DecisionKind,
    comment: str,
    now: datetime,
) -> None:
    """Reply a decision in the review's thread; then announce a step that started."""
    root = _thread_root(session, request)
    verb = "approved" if kind is DecisionKind.approve else "rejected"
    parts = [
        f"<p>{_mention(approver.account_id)} {verb} version {request.page_version} "
        f"at step {_quoted(step.name)}.</p>"
    ]
    if comment:
        parts.append(f"<p>{_multiline(comment)}</p>")
    if request.status != RequestStatus.pending:
        parts.append(f"<p>The review is complete: {escape(request.status)}.</p>")
    # The approver is the only person the reply mentions (their comment is escaped
    # text), and they need no inbox entry for their own decision.
    _system_comment(
        session, request, "".join(parts), parent=root, now=now, mentioned=frozenset()
    )
    started = request.current_step  # None once the review is over
    if started is not None and started != step.position:
        following = request.steps[started]
        approvers = step_approvers(session, following, request.space_id)
        _system_comment(
            session,
            request,
            f"<p>Step {_quoted(step.name)} is complete. Step "
            f"{_quoted(following.name)} is next: {approvers.markup}</p>",
            parent=root,
            now=now,
            mentioned=approvers.mentionable,
        )


def notice_in_thread(
    session: Session, request: ApprovalRequest, text: str, *, now: datetime
) -> int:
    """A plain notice in the review's thread, e.g. that the approval went stale;
    the people who decided on the review are mentioned, so they hear of it."""
    deciders = session.scalars(
        select(User.account_id)
        .join(Decision, Decision.approver_id == User.id)
        .where(Decision.request_id == request.id)
        .distinct()
    ).all()
    mentions = ", ".join(_mention(account) for account in sorted(deciders))
    markup = f"<p>{escape(text)}</p>" + (f"<p>{mentions}</p>" if mentions else "")
    root = _thread_root(session, request)
    return _system_comment(session, request, markup, parent=root, now=now)


def _system_comment(
    session: Session,
    request: ApprovalRequest,
    markup: str,
    *,
    parent: int | None,
    now: datetime,
    mentioned: frozenset[int] | None = None,
) -> int:
    """A comment in the system's voice, and its id. `mentioned` is who gets an inbox
    entry when the caller already knows (the people its markup mentions who may see
    the page); otherwise the stored body is read for mentions, as for people's
    comments. Written with statements built once: a review's thread gets one or two
    of these at every submission and decision, and nothing loads them back."""
    body = sanitise_body(markup)
    comment_id: int = session.execute(
        _SYSTEM_COMMENT,
        {
            "page_id": request.page_id,
            "parent_id": parent,
            "author_id": None,
            "page_version": request.page_version,
            "body": body,
            "request_id": request.id,
            "created_at": now,
        },
    ).scalar_one()
    if mentioned is None:
        mentioned = frozenset(_mentionable(session, body, request.space_id))
    if mentioned:
        append_many(
            session,
            _MENTION,
            [
                {
                    "comment_id": comment_id,
                    "user_id": user_id,
                    "page_id": request.page_id,
                    "created_at": now,
                    "read_at": None,
                }
                for user_id in sorted(mentioned)
            ],
        )
    return comment_id


def _mentionable(session: Session, body: str, space_id: int) -> list[int]:
    """Who of the people `body` mentions may be told: active and able to see the
    space's pages."""
    accounts = mentioned_accounts(body)
    if not accounts:
        return []
    return list(
        session.scalars(
            _MENTIONABLE_ACCOUNTS, {"accounts": list(accounts), "space_id": space_id}
        )
    )


def record_mentions(
    session: Session,
    comment: Comment,
    space_id: int,
    *,
    now: datetime,
) -> list[int]:
    """Put the comment in the inbox of each member of the space it mentions.

    Mentions are read from the stored (sanitised) body, so a mention is exactly what
    readers see; people outside the space cannot see the page and get nothing.
    """
    user_ids = _mentionable(session, comment.body, space_id)
    _add_mentions(session, comment, user_ids, now=now)
    return user_ids


def _may_be_mentioned(space_id: Any) -> ColumnElement[bool]:
    """Active people who can see the space's pages: members and site administrators."""
    members = select(SpaceMember.user_id).where(SpaceMember.space_id == space_id)
    return and_(
        User.is_active.is_(True),
        or_(User.id.in_(members), User.is_site_admin.is_(True)),
    )


# Statements a review's thread runs at every submission and decision, built once.
_SPACE = bindparam("space_id", type_=Integer)
_MENTIONABLE_ACCOUNTS = select(User.id).where(
    User.account_id.in_(bindparam("accounts", expanding=True)),
    _may_be_mentioned(_SPACE),
)
_NAMED_APPROVERS = select(
    User.id, User.account_id, _may_be_mentioned(_SPACE).label("reached")
).where(User.id.in_(bindparam("user_ids", expanding=True)))
_COMMENTS = cast("Table", Comment.__table__)
_SYSTEM_COMMENT = insert(_COMMENTS).returning(_COMMENTS.c.id)
_MENTION = insert(cast("Table", Mention.__table__))
_THREAD_ROOT = (
    select(Comment.id)
    .where(
        Comment.page_id == bindparam("page_id", type_=Integer),
        Comment.request_id == bindparam("request_id", type_=Integer),
        Comment.parent_id.is_(None),
        Comment.author_id.is_(None),
    )
    .order_by(Comment.id)
    .limit(1)
)


def _add_mentions(
    session: Session,
    comment: Comment,
    user_ids: Iterable[int],
    *,
    now: datetime,
) -> None:
    for user_id in sorted(set(user_ids)):
        if user_id != comment.author_id:
            session.add(
                Mention(
                    comment=comment,
                    user_id=user_id,
                    page_id=comment.page_id,
                    created_at=now,
                )
            )


def do_mark_mentions_read(
    session: Session,
    user: User,
    *,
    mention_ids: list[int] | None,
    by: Acting[User | None],
) -> int:
    """Mark the person's own mentions read (all unread ones when `mention_ids` is
    None); returns how many changed. Nobody can touch another person's inbox."""
    query = update(Mention).where(Mention.user_id == user.id, Mention.read_at.is_(None))
    if mention_ids is not None:
        query = query.where(Mention.id.in_(mention_ids))
    result = session.execute(
        query.values(read_at=by.now).execution_options(synchronize_session=False)
    )
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def _thread_root(session: Session, request: ApprovalRequest) -> int | None:
    """The id of the comment that opened the review, if the review has one."""
    return session.scalar(
        _THREAD_ROOT, {"page_id": request.page_id, "request_id": request.id}
    )


@dataclass(frozen=True)
class Approvers:
    markup: str
    """Mentions of the named approvers, then the groups by name."""
    mentionable: frozenset[int]
    """The named approvers who get an inbox entry: active, and able to see the page."""


def step_approvers(session: Session, step: RequestStep, space_id: int) -> Approvers:
    """Who a step names, as the review's thread mentions them."""
    user_ids = [seat.user_id for seat in step.seats if seat.user_id is not None]
    group_ids = [seat.group_id for seat in step.seats if seat.group_id is not None]
    accounts: dict[int, str] = {}
    mentionable: set[int] = set()
    if user_ids:
        rows = session.execute(
            _NAMED_APPROVERS, {"user_ids": user_ids, "space_id": space_id}
        )
        for user_id, account_id, reached in rows:
            accounts[user_id] = account_id
            if reached:
                mentionable.add(user_id)
    groups: dict[int, str] = {}
    if group_ids:
        groups.update(
            session.execute(
                select(Group.id, Group.name).where(Group.id.in_(group_ids))
            ).all()
        )
    named = [_mention(accounts[uid]) for uid in user_ids if uid in accounts]
    named += [
        f"the group <strong>{escape(groups[gid])}</strong>"
        for gid in group_ids
        if gid in groups
    ]
    return Approvers(", ".join(named) or "no approver named", frozenset(mentionable))


def _change_markup(session: Session, request: ApprovalRequest) -> str:
    """What the review changes, measured when it opened, with a link to the
    comparison; nothing for a first version."""
    if request.change_from is None or request.change_summary is None:
        return ""
    page = session.get(Page, request.page_id)
    space = session.get(Space, request.space_id)
    if page is None or space is None:
        return ""
    path = (
        f"/spaces/{quote(space.key)}/pages/{public_page_id(page)}/compare"
        f"?from={request.change_from}&to={request.page_version}"
    )
    return (
        f"<p>What changed since version {request.change_from}: "
        f'{escape(request.change_summary)}. <a href="{escape(path)}">See the '
        "changes</a></p>"
    )


def _change_set_markup(change_set: ChangeSet) -> str:
    parts = [f"<p>Change set: <strong>{escape(change_set.title)}</strong></p>"]
    if change_set.summary:
        parts.append(f"<p>{_multiline(change_set.summary)}</p>")
    url = change_set.reference_url
    if url and urlsplit(url).scheme in ("http", "https"):
        parts.append(f'<p><a href="{escape(url)}">{escape(url)}</a></p>')
    return "".join(parts)


def _mention(account_id: str) -> str:
    return f'<ac:link><ri:user ri:account-id="{escape(account_id)}" /></ac:link>'


def _quoted(name: str) -> str:
    return f"'{escape(name)}'"


def _multiline(text: str) -> str:
    cleaned = clean_text(
        text,
        field="comment",
        max_length=MAX_COMMENT_BODY,
        required=False,
        multiline=True,
    )
    return "<br />".join(escape(line) for line in cleaned.splitlines())
