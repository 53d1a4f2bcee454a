"""Signing in and out: `GET|POST /login` and `POST /logout`.

A wrong username and a wrong password get the same answer. `web/throttle.py` decides
before the password is hashed whether an attempt is checked at all (failures per
username and address, per address, site-wide, checks at once); a refusal is 429 with
`Retry-After`, costs no hash and writes no audit row. `next` only ever leads to a
path on this site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.sessions import (
    SignedIn,
    check_credentials,
    do_record_failed_sign_in,
    do_sign_in,
    do_sign_out,
)
from signoff.db.models import User, WebSession
from signoff.db.session import Database
from signoff.domain.states import Origin
from signoff.web import context
from signoff.web.forms import FormRejected, first, read_form
from signoff.web.sessions import (
    CSRF_FIELD,
    CurrentSession,
    clear_session_cookie,
    current_session,
    login_csrf_cookie,
    login_csrf_ok,
    login_csrf_token,
    session_csrf_ok,
    set_login_csrf_cookie,
    set_session_cookie,
)
from signoff.web.templating import error_page, render
from signoff.web.throttle import Attempt, LoginThrottle, Refusal

router = APIRouter(include_in_schema=False)

LOGIN_PATH = "/login"
DEFAULT_NEXT = "/spaces"  # the UI's home page
WRONG_CREDENTIALS = "Incorrect username or password."
MAX_NEXT_LENGTH = 4096  # an authorization request, with its state, fits
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\s\x00-\x1f\x7f]*")
NextQuery = Annotated[str, Query(alias="next")]  # safe_next judges it


def safe_next(value: str) -> str | None:
    """`value` when it is a path on this site, else None.

    Refuses `//host` and `/\\host` (browsers read both as another host), schemes,
    backslashes, whitespace and control characters anywhere.
    """
    if len(value) > MAX_NEXT_LENGTH or not _LOCAL_PATH.fullmatch(value):
        return None
    return value


@router.get(LOGIN_PATH)
async def login_form(request: Request, next_path: NextQuery = "") -> Response:
    target = safe_next(next_path)
    current = await current_session(request)
    if current is not None and target is not None:
        return RedirectResponse(target, status_code=303)
    return login_page(request, next_path=target or "", current=current)


def login_page(
    request: Request,
    *,
    next_path: str,
    current: CurrentSession | None = None,
    error: str | None = None,
) -> Response:
    token = login_csrf_token(request)
    response = render(
        request,
        "login.html",
        {
            "csrf_token": token,
            "next": next_path,
            "current": current,
            "error": error,
        },
    )
    set_login_csrf_cookie(request, response, token)
    return response


@router.post(LOGIN_PATH)
async def login(request: Request) -> Response:
    try:
        form = await read_form(request)
    except FormRejected as rejected:
        return error_page(request, rejected.message, status=rejected.status)
    if not login_csrf_ok(request, first(form, CSRF_FIELD)):
        return error_page(
            request, "The form expired; reload it and try again.", status=403
        )
    username, password = first(form, "username"), first(form, "password")
    target = safe_next(first(form, "next"))
    throttle, address, now = (
        context.login_throttle(request),
        context.client_address(request),
        context.now(request),
    )
    admitted = throttle.admit(username, address, now)
    if isinstance(admitted, Refusal):
        return too_many(request, admitted.retry_after)
    signed_in = await run_in_threadpool(
        admitted_sign_in,
        throttle,
        admitted,
        context.database(request),
        Credentials(username, password),
        now,
        context.session_max_age(request),
    )
    if signed_in is None:
        return login_page(request, next_path=target or "", error=WRONG_CREDENTIALS)
    response = RedirectResponse(target or DEFAULT_NEXT, status_code=303)
    set_session_cookie(request, response, signed_in.secret)
    response.delete_cookie(  # Secure too, or a browser keeps a `__Secure-` cookie
        login_csrf_cookie(request),
        path=LOGIN_PATH,
        secure=context.secure_cookies(request),
        httponly=True,
        samesite="lax",
    )
    return response


def too_many(request: Request, wait: int) -> Response:
    when = "in a moment" if wait < 60 else f"in {wait // 60 + 1} minutes"
    return error_page(
        request,
        f"Too many sign-in attempts. Try again {when}.",
        status=429,
        headers={"Retry-After": str(wait)},
    )


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def admitted_sign_in(
    throttle: LoginThrottle,
    attempt: Attempt,
    db: Database,
    given: Credentials,
    now: datetime,
    max_age: timedelta,
) -> SignedIn | None:
    """`sign_in`, settling the attempt in the same thread, when the hash is done
    (a request cancelled while it waits must not free its place early)."""
    signed_in = None
    try:
        signed_in = sign_in(db, given, now, max_age)
    finally:
        throttle.settle(attempt, succeeded=signed_in is not None)
    return signed_in


def sign_in(
    db: Database, given: Credentials, now: datetime, max_age: timedelta
) -> SignedIn | None:
    username = given.username
    with db.read() as session:
        user = check_credentials(session, username, given.password)
        user_id = user.id if user is not None else None
    by = Acting(None, Origin.ui, None, now)  # the action names who signs in
    with db.write() as session:
        verified = session.get(User, user_id) if user_id is not None else None
        if verified is None:
            do_record_failed_sign_in(session, username, by=by)
            return None
        return do_sign_in(session, verified, by=by, max_age=max_age)


@router.post("/logout")
async def logout(request: Request) -> Response:
    try:
        form = await read_form(request)
    except FormRejected as rejected:
        return error_page(request, rejected.message, status=rejected.status)
    current = await current_session(request)
    if not session_csrf_ok(current, first(form, CSRF_FIELD)):
        return error_page(
            request, "The form expired; reload it and try again.", status=403
        )
    assert current is not None
    await run_in_threadpool(
        sign_out, context.database(request), current.session_id, context.now(request)
    )
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(request, response)
    return response


def sign_out(db: Database, session_id: int, now: datetime) -> None:
    with db.write() as session:
        web_session = session.get(WebSession, session_id)
        if web_session is not None:
            do_sign_out(session, web_session, by=Acting(None, Origin.ui, None, now))
