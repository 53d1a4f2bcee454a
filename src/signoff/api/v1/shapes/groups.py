"""Groups as `/api/v1/groups*` answer them: name, members (account id, name) and
the Confluence group each follows, if any."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import (
    GroupFollowOut,
    GroupList,
    GroupMemberOut,
    GroupOne,
    GroupOut,
)

if TYPE_CHECKING:
    from signoff.queries.group_follows import FollowView
    from signoff.queries.groups import GroupView


def follow_out(view: FollowView | None) -> GroupFollowOut | None:
    if view is None:
        return None
    return GroupFollowOut(
        site=view.site,
        confluence_group=view.confluence_group,
        synced_at=view.synced_at,
        error=view.error,
        unmapped_accounts=list(view.unmapped),
    )


def group_out(view: GroupView, follows: FollowView | None) -> GroupOut:
    return GroupOut(
        name=view.name,
        members=[GroupMemberOut.of(m) for m in view.members],
        follows=follow_out(follows),
    )


def group_list(
    views: Sequence[GroupView], follows: Mapping[str, FollowView]
) -> GroupList:
    """Every group, each with what it follows (`follows_by_group`)."""
    groups = [group_out(view, follows.get(view.name)) for view in views]
    return GroupList(success=True, groups=groups)


def group_one(view: GroupView, follows: FollowView | None) -> GroupOne:
    return GroupOne(success=True, group=group_out(view, follows))
