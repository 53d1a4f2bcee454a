"""Spaces as `/api/v1/spaces*` answer them: the caller's spaces with their role, and
a membership as it stands after a change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import (
    MemberOne,
    MemberOut,
    SpaceOne,
    SpaceWithRole,
    SpaceWithRoleList,
)

if TYPE_CHECKING:
    from signoff.queries.spaces import MemberView, SpaceView


def space_list(views: Sequence[SpaceView]) -> SpaceWithRoleList:
    return SpaceWithRoleList(
        success=True, spaces=[SpaceWithRole.of(view) for view in views]
    )


def space_one(view: SpaceView) -> SpaceOne:
    return SpaceOne(success=True, space=SpaceWithRole.of(view))


def member_one(view: MemberView) -> MemberOne:
    return MemberOne(success=True, member=MemberOut.of(view))
