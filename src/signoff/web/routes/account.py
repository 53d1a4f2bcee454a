"""The account page: email preferences, delegation, personal access tokens and OAuth
grants of the signed-in person.

Writes go through `actions/tokens.py` and `actions/oauth.py` with `Origin.ui` inside a
unit of work; a new token's secret is shown once, on the page the create form returns.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.oauth import do_revoke_grant
from signoff.actions.preferences import do_set_email_preferences
from signoff.actions.tokens import do_create_token, do_revoke_token
from signoff.actions.unit import unit_of_work
from signoff.auth.scopes import Scope
from signoff.db.models import PersonalToken, User
from signoff.domain.errors import BadInput, NotFound, SignoffError
from signoff.domain.states import Origin
from signoff.ids import Id
from signoff.queries.grants import get_oauth_client, list_live_grants
from signoff.queries.tokens import list_personal_tokens
from signoff.web import context
from signoff.web.delegation_form import (
    delegation_section,
    revoke_delegation,
    set_delegation,
)
from signoff.web.field_labels import for_people
from signoff.web.forms import FormValues, first
from signoff.web.refusals import FORM_REFUSALS, LOOKUP_FORM_REFUSALS
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

UNKNOWN_PAT = "That token does not exist, or it is not yours."
CLIENT_NOT_FOUND = "You have no grant for that application."


def _user(session: Session, current: CurrentSession) -> User:
    user = session.get(User, current.user_id)
    assert user is not None
    return user


def _account_page(request: Request, current: CurrentSession) -> dict[str, Any]:
    now = context.now(request)
    with context.database(request).read() as session:
        me = _user(session, current)
        email = {"address": me.email, "enabled": me.email_notifications}
        tokens = list_personal_tokens(session, now, user_id=current.user_id)
        grants = list_live_grants(session, current.user_id, now)
        delegation = delegation_section(session, me)
    return {
        "current": current,
        "csrf_token": current.csrf_token,
        "email": email,
        "delegation": delegation,
        "tokens": tokens[::-1],  # newest first
        "grants": grants,
        "scopes": [scope.value for scope in Scope],
        "now": now,
    }


@router.get("/account")
async def account(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_account_page, request, current)
    return render(request, "account.html", page)


def _set_preferences(
    request: Request, current: CurrentSession, form: FormValues
) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        do_set_email_preferences(
            session,
            user,
            # An unticked box is not posted: absent means off.
            enabled=bool(first(form, "email_notifications")),
            by=Acting(user, Origin.ui, None, context.now(request)),
        )


@router.post("/account/preferences")
async def set_preferences(request: Request) -> Response:
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    current, form = got
    await run_in_threadpool(_set_preferences, request, current, form)
    return RedirectResponse("/account?saved=preferences", status_code=303)


async def _refused(
    request: Request, current: CurrentSession, refused: SignoffError
) -> Response:
    """The account page again, saying why the form was refused."""
    shown = for_people(refused)
    page = await run_in_threadpool(_account_page, request, current)
    page["error"] = shown.sentence
    return render(request, "account.html", page, status=shown.status)


@router.post("/account/delegations")
async def post_delegation(request: Request) -> Response:
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    current, form = got
    try:
        await run_in_threadpool(set_delegation, request, current, form)
    except LOOKUP_FORM_REFUSALS as refused:
        return await _refused(request, current, refused)
    return RedirectResponse("/account?saved=delegation", status_code=303)


@router.post("/account/delegations/{delegation_id}/revoke")
async def post_delegation_revoke(request: Request, delegation_id: Id) -> Response:
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    current, _form = got
    try:
        await run_in_threadpool(revoke_delegation, request, current, delegation_id)
    except LOOKUP_FORM_REFUSALS as refused:
        return await _refused(request, current, refused)
    return RedirectResponse("/account?saved=delegation", status_code=303)


def _create(
    request: Request, current: CurrentSession, form: FormValues
) -> tuple[str, str]:
    scopes = form.get("scope", [])
    days_text = first(form, "expires_days").strip()
    if days_text and (not days_text.isascii() or not days_text.isdigit()):
        raise BadInput("Expiry must be a whole number of days.", field="expiresDays")
    expires_days = int(days_text) if days_text and len(days_text) < 6 else None
    if days_text and expires_days is None:
        raise BadInput("Expiry is too far away.", field="expiresDays")
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        token, secret = do_create_token(
            session,
            user,
            scopes=scopes,
            name=first(form, "name").strip() or None,
            expires_days=expires_days,
            by=Acting(user, Origin.ui, None, context.now(request)),
        )
        return token.name, secret


@router.post("/account/tokens")
async def create_token(request: Request) -> Response:
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    current, form = got
    try:
        name, secret = await run_in_threadpool(_create, request, current, form)
    except FORM_REFUSALS as refused:
        shown = for_people(refused)
        page = await run_in_threadpool(_account_page, request, current)
        page["error"] = shown.sentence
        return render(request, "account.html", page, status=shown.status)
    page = await run_in_threadpool(_account_page, request, current)
    page["new_token"] = {"name": name, "secret": secret}
    return render(request, "account.html", page, headers={"Cache-Control": "no-store"})


def _revoke_token(request: Request, current: CurrentSession, token_id: int) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        token = session.get(PersonalToken, token_id)
        if token is None or token.user_id != user.id:
            raise NotFound(UNKNOWN_PAT)
        do_revoke_token(
            session,
            token,
            by=Acting(user, Origin.ui, None, context.now(request)),
        )


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: Id) -> Response:
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    current, _form = got
    await run_in_threadpool(_revoke_token, request, current, token_id)
    return RedirectResponse("/account", status_code=303)


def _revoke_grant(request: Request, current: CurrentSession, client_id: str) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        user = _user(session, current)
        client = get_oauth_client(session, client_id)
        if client is None:
            raise NotFound(CLIENT_NOT_FOUND)
        do_revoke_grant(
            session,
            user,
            client,
            by=Acting(user, Origin.ui, None, context.now(request)),
        )


@router.post("/account/grants/revoke")
async def revoke_grant(request: Request) -> Response:
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    current, form = got
    client_id = first(form, "client_id")
    if not client_id:
        raise NotFound(CLIENT_NOT_FOUND)
    await run_in_threadpool(_revoke_grant, request, current, client_id)
    return RedirectResponse("/account", status_code=303)
