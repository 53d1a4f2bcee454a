"""Groups and their members, as the admin screens, the CLI and `/api/v1/groups` list
them: every group by name, each member by display name; two statements in all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.db.models import Group, GroupMember, User


@dataclass(frozen=True)
class GroupMemberView:
    account_id: str
    username: str
    display_name: str


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    members: tuple[GroupMemberView, ...]


def list_groups(session: Session) -> list[GroupView]:
    """Every group (groups are site-wide), by name, with its members."""
    groups = session.execute(select(Group.id, Group.name).order_by(Group.name)).all()
    members: dict[int, list[GroupMemberView]] = {gid: [] for gid, _ in groups}
    rows = session.execute(
        select(GroupMember.group_id, User.account_id, User.username, User.display_name)
        .join(User, User.id == GroupMember.user_id)
        .order_by(User.display_name, User.id)
    )
    for group_id, account_id, username, display_name in rows:
        members.setdefault(group_id, []).append(
            GroupMemberView(account_id, username, display_name)
        )
    return [GroupView(gid, name, tuple(members[gid])) for gid, name in groups]


def group_view(session: Session, name: str) -> GroupView | None:
    return next((g for g in list_groups(session) if g.name == name), None)


def active_people(session: Session) -> list[tuple[str, str]]:
    """Everyone who may be added to a group, as (username, display name), by name."""
    return [
        (username, display_name)
        for username, display_name in session.execute(
            select(User.username, User.display_name)
            .where(User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    ]


def user_named(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
