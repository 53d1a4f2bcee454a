"""Spaces and their members: list, create (site admins), add or remove a member.

Members are named by `accountId`; the loader checks the caller may manage members
before it says whether the account exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from signoff.access import access_member_account, access_space
from signoff.actions.spaces import do_add_member, do_create_space, do_remove_member
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    WRITE_ERRORS,
    MemberOne,
    SpaceOne,
    SpaceWithRoleList,
    documented,
)
from signoff.api.v1.schemas import MemberIn, MemberRef, SpaceCreate
from signoff.api.v1.shapes.spaces import member_one, space_list, space_one
from signoff.auth.scopes import Scope
from signoff.db.models import Space, User
from signoff.queries.spaces import list_spaces_for, member_view, space_view

router = APIRouter(tags=["spaces"])

Manager = Annotated[ApiCall, Depends(api_call(Scope.manage_space))]


@router.get(
    "/spaces",
    summary="The spaces the caller belongs to, with their role (site admins: all)",
    responses=documented(
        SpaceWithRoleList, "The caller's spaces, by key.", (401, 403, 429)
    ),
)
def get_spaces(call: Manager) -> Response:
    return call.read(lambda s, actor: space_list(list_spaces_for(s, actor)))


@router.post(
    "/spaces",
    summary="Create a space (site administrators only)",
    responses=documented(
        SpaceOne,
        "The new space; its creator is its admin.",
        (400, 401, 403, 409, 413, 422, 429),
    ),
)
def post_space(body: SpaceCreate, call: Manager) -> Response:
    def work(session: Session, actor: User) -> SpaceOne:
        space = do_create_space(session, body.key, body.name, **call.by(actor))
        view = space_view(session, actor, space)
        assert view is not None  # the creator became the space's admin
        return space_one(view)

    return call.write(work)


def _member(session: Session, space: Space, person: User) -> MemberOne:
    return member_one(member_view(session, space, person))


@router.post(
    "/spaces/members",
    summary="Give a person a role in a space (or change it)",
    responses=documented(MemberOne, "The membership as it now stands.", WRITE_ERRORS),
)
def post_space_member(body: MemberIn, call: Manager) -> Response:
    def work(session: Session, actor: User) -> MemberOne:
        space = access_space(session, actor, body.space_id)
        person = access_member_account(session, actor, space, body.account_id)
        do_add_member(session, space, person, body.role, **call.by(actor))
        return _member(session, space, person)

    return call.write(work)


@router.post(
    "/spaces/members/remove",
    summary="Remove a person from a space (extension)",
    responses=documented(
        MemberOne, "The former membership, with `role` null.", WRITE_ERRORS
    ),
)
def post_space_member_remove(body: MemberRef, call: Manager) -> Response:
    def work(session: Session, actor: User) -> MemberOne:
        space = access_space(session, actor, body.space_id)
        person = access_member_account(session, actor, space, body.account_id)
        do_remove_member(session, space, person, **call.by(actor))
        return _member(session, space, person)

    return call.write(work)
