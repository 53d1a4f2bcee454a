"""Groups: list (anyone with `read:approval`, as workflows name groups), and create,
rename, add or remove a member, delete, follow or unfollow a Confluence group
(`manage:space`, site administrators only: the actions check it, since a group's
seats reach every space).

People are named by `accountId` and groups by name, as in workflow bodies. A follow
reads the Confluence group before its transaction opens (`ApiCall.write_after`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_account, access_group
from signoff.actions.confluence.group_follow import (
    ConfluenceGroupRead,
    do_follow_group,
    do_unfollow_group,
    prepare_follow,
)
from signoff.actions.confluence.sites import find_site
from signoff.actions.groups import (
    do_add_group_member,
    do_create_group,
    do_delete_group,
    do_remove_group_member,
    do_rename_group,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import WRITE_ERRORS, GroupList, GroupOne, documented
from signoff.api.v1.schemas import (
    GroupCreate,
    GroupFollowIn,
    GroupMemberIn,
    GroupRef,
    GroupRename,
)
from signoff.api.v1.shapes.groups import group_list, group_one
from signoff.auth.scopes import Scope
from signoff.connectors.confluence.connect import site_http
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.db.models import ConfluenceSite, User
from signoff.queries.group_follows import follows_by_group
from signoff.queries.groups import GroupView, group_view, list_groups

router = APIRouter(tags=["groups"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]
Manager = Annotated[ApiCall, Depends(api_call(Scope.manage_space))]


def _now(session: Session, name: str) -> GroupOne:
    view = group_view(session, name)
    assert view is not None, "the group was just written"
    return group_one(view, follows_by_group(session).get(name))


@router.get(
    "/groups",
    summary="Every group with its members (groups are site-wide)",
    responses=documented(GroupList, "The groups, by name.", (401, 403, 429)),
)
def get_groups(call: Reader) -> Response:
    return call.read(lambda s, _actor: group_list(list_groups(s), follows_by_group(s)))


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
        follows = follows_by_group(session).get(body.name)
        do_delete_group(session, group, **call.by(actor))
        assert before is not None
        return group_one(before, follows)

    return call.write(work)


@router.post(
    "/groups/follow",
    summary="Make a group follow a Confluence group (site administrators)",
    description="The group's members become the Confluence group's members whose "
    "accounts are mapped to Signoff users, at once and at every pass of the site; "
    "changing them by hand is refused until the group is unfollowed.",
    responses=documented(GroupOne, "The group as it now stands.", WRITE_ERRORS),
)
def post_group_follow(body: GroupFollowIn, call: Manager, request: Request) -> Response:
    state = request.app.state

    def http_for(site: ConfluenceSite) -> ConfluenceHttp:
        allow = state.settings.confluence_allow_list
        return site_http(site, site_key=state.secret_key, allow=allow)

    def check(session: Session, actor: User) -> Callable[[], ConfluenceGroupRead]:
        return prepare_follow(
            session,
            body.name,
            body.site,
            body.confluence_group,
            actor=actor,
            http_for=http_for,
        )

    def work(session: Session, actor: User, read: ConfluenceGroupRead) -> GroupOne:
        group, site = access_group(session, body.name), find_site(session, body.site)
        do_follow_group(session, group, site, read, **call.by(actor))
        return _now(session, body.name)

    return call.write_after(check, work)


@router.post(
    "/groups/unfollow",
    summary="Stop following a Confluence group; the members stay (site admins)",
    responses=documented(GroupOne, "The group as it now stands.", WRITE_ERRORS),
)
def post_group_unfollow(body: GroupRef, call: Manager) -> Response:
    def work(session: Session, actor: User) -> GroupOne:
        do_unfollow_group(session, access_group(session, body.name), **call.by(actor))
        return _now(session, body.name)

    return call.write(work)
