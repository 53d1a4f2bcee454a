"""Delegations: `POST /delegations` sets one, `GET /delegations` lists the caller's
(every one, for a site admin), `POST /delegations/revoke` ends one.

Setting and revoking need `write:approval` (they decide who may act on reviews);
listing needs `read:approval`. The rules are `actions.delegations`'.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from signoff.access import access_account
from signoff.actions.delegations import do_revoke_delegation, do_set_delegation
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    READ_ERRORS,
    WRITE_ERRORS,
    DelegationList,
    DelegationOne,
    DelegationOut,
    Person,
    documented,
)
from signoff.api.v1.schemas import DelegationIn, DelegationRef
from signoff.auth.scopes import Scope
from signoff.db.models import Delegation, User
from signoff.queries.delegations import delegations_seen_by

router = APIRouter(tags=["delegations"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_approval))]
Writer = Annotated[ApiCall, Depends(api_call(Scope.write_approval))]


def delegation_out(session: Session, row: Delegation) -> DelegationOut:
    person = session.get_one(User, row.user_id)
    delegate = session.get_one(User, row.delegate_id)
    return DelegationOut(
        id=str(row.id),
        person=Person.of(person),
        delegate=Person.of(delegate),
        start=row.starts_at,
        end=row.ends_at,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


@router.post(
    "/delegations",
    summary="Name a delegate who decides for a person over a date range",
    responses=documented(DelegationOne, "The delegation set.", WRITE_ERRORS),
)
def post_delegation(body: DelegationIn, call: Writer) -> Response:
    def work(session: Session, actor: User) -> DelegationOne:
        person = actor
        if body.account_id is not None:
            person = access_account(session, body.account_id, field="accountId")
        delegate = access_account(
            session, body.delegate_account_id, field="delegateAccountId"
        )
        row = do_set_delegation(
            session,
            person,
            delegate,
            starts_at=body.start,
            ends_at=body.end,
            **call.by(actor),
        )
        return DelegationOne(success=True, delegation=delegation_out(session, row))

    return call.write(work)


@router.get(
    "/delegations",
    summary="The caller's delegations (every one, for a site admin)",
    responses=documented(DelegationList, "Newest first.", READ_ERRORS),
)
def get_delegations(call: Reader) -> Response:
    def work(session: Session, actor: User) -> DelegationList:
        rows = delegations_seen_by(session, actor)
        return DelegationList(
            success=True, delegations=[delegation_out(session, r) for r in rows]
        )

    return call.read(work)


@router.post(
    "/delegations/revoke",
    summary="Revoke a delegation",
    responses=documented(DelegationOne, "The delegation, revoked.", WRITE_ERRORS),
)
def post_delegation_revoke(body: DelegationRef, call: Writer) -> Response:
    def work(session: Session, actor: User) -> DelegationOne:
        row = do_revoke_delegation(session, body.delegation_id, **call.by(actor))
        return DelegationOne(success=True, delegation=delegation_out(session, row))

    return call.write(work)
