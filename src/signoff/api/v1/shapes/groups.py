"""Groups as `/api/v1/groups*` answer them: name and members (account id, name)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import GroupList, GroupMemberOut, GroupOne, GroupOut

if TYPE_CHECKING:
    from signoff.queries.groups import GroupView


def group_out(view: GroupView) -> GroupOut:
    return GroupOut(
        name=view.name, members=[GroupMemberOut.of(m) for m in view.members]
    )


def group_list(views: Sequence[GroupView]) -> GroupList:
    return GroupList(success=True, groups=[group_out(view) for view in views])


def group_one(view: GroupView) -> GroupOne:
    return GroupOne(success=True, group=group_out(view))
