"""Groups: list (anyone with `read:approval`, as workflows name groups), and create,
rename, add or remove a member, delete (`manage:space`, site administrators only:
the actions check it, since a group's seats reach every space).

People are named by `accountId` and groups by name, as in workflow bodies.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from signoff.access import access_account, access_group
from signoff.actions.groups import (
    do_add_group_member,
    do_create_group,
    do_delete_group,
    do_remove_group_member,
    do_rename_group,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import WRITE_ERRORS, GroupList, GroupOne, documented
from signoff.api.v1.schemas import GroupCreate, GroupMemberIn, GroupRef, GroupRename
from signoff.api.v1.shapes.groups import group_list, group_one
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.queries.groups import GroupView, group_view, list_groups

router = APIRouter(tags=["groups"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]
Manager = Annotated[ApiCall, Depends(api_call(Scope.manage_space))]


def _now(session: Session, name: str) -> GroupOne:
    view = group_view(session, name)
    assert view is not None, "the group was just written"
    return group_one(view)


@router.get(
    "/groups",
    summary="Every group with its members (groups are site-wide)",
    responses=documented(GroupList, "The groups, by name.", (401, 403, 429)),
)
def get_groups(call: Reader) -> Response:
    return call.read(lambda s, _actor: group_list(list_groups(s)))


@router.post(
    "/groups",
    summary="Create a group, with members if given (site administrators only)",
    responses=documented(GroupOne, "The new group.", WRITE_ERRORS),
)
def post_group(body: GroupCreate, call: Manager) -> Response:
    def work(session: Session, actor: User) -> GroupOne:
        group = do_create_group(session, body.name, **call.by(actor))
        for account_id in dict.fromkeys(body.members):
            person = access_account(session, account_id, field="members")
            do_add_group_member(session, group, person, **call.by(actor))
        return _now(session, body.name)

    return call.write(work)


@router.post(
    "/groups/rename",
    summary="Rename a group; workflows and reviews follow it (site administrators)",
    responses=documented(GroupOne, "The group under its new name.", WRITE_ERRORS),
)
def post_group_rename(body: GroupRename, call: Manager) -> Response:
    def work(session: Session, actor: User) -> GroupOne:
        group = access_group(session, body.name)
        do_rename_group(session, group, body.new_name, **call.by(actor))
        return _now(session, body.new_name)

    return call.write(work)


@router.post(
    "/groups/members/add",
    summary="Add a person to a group (site administrators)",
    responses=documented(GroupOne, "The group as it now stands.", WRITE_ERRORS),
)
def post_group_member_add(body: GroupMemberIn, call: Manager) -> Response:
    def work(session: Session, actor: User) -> GroupOne:
        group = access_group(session, body.name)
        person = access_account(session, body.account_id, field="accountId")
        do_add_group_member(session, group, person, **call.by(actor))
        return _now(session, body.name)

    return call.write(work)


@router.post(
    "/groups/members/remove",
    summary="Remove a person from a group; reviews stop waiting for them there",
    responses=documented(GroupOne, "The group as it now stands.", WRITE_ERRORS),
)
def post_group_member_remove(body: GroupMemberIn, call: Manager) -> Response:
    def work(session: Session, actor: User) -> GroupOne:
        group = access_group(session, body.name)
        person = access_account(session, body.account_id, field="accountId")
        do_remove_group_member(session, group, person, **call.by(actor))
        return _now(session, body.name)

    return call.write(work)


@router.post(
    "/groups/delete",
    summary="Delete a group nothing refers to (site administrators)",
    responses=documented(GroupOne, "The group as it was.", WRITE_ERRORS),
)
def post_group_delete(body: GroupRef, call: Manager) -> Response:
    def work(session: Session, actor: User) -> GroupOne:
        group = access_group(session, body.name)
        before: GroupView | None = group_view(session, body.name)
        do_delete_group(session, group, **call.by(actor))
        assert before is not None
        return group_one(before)

    return call.write(work)
