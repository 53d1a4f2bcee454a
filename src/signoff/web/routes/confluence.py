"""Confluence sites for site administrators: each site's health and linked spaces,
a form to connect a site and one to link a Confluence space to a Signoff space.

The same actions as `signoff confluence`, recorded with origin `ui`. The admin
check comes first, before any call to a site, so nobody else can make the server
call an address; the call that checks a site's credentials (or finds a space) is
made between transactions, never inside one. Tokens arrive in password fields and
are never shown again, logged, or put back in a form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.actions.acting import Acting
from signoff.actions.confluence.sites import (
    check_new_site,
    do_add_site,
    do_link_space,
    find_remote_space,
    find_site,
    new_site,
)
from signoff.actions.unit import unit_of_work
from signoff.actions.users import require_site_admin
from signoff.connectors.confluence.connect import site_http
from signoff.connectors.confluence.errors import ConfluenceError
from signoff.db.models import User
from signoff.domain.errors import InvalidState
from signoff.domain.states import Origin
from signoff.queries.confluence_admin import site_statuses
from signoff.web import context
from signoff.web.forms import FormValues, first
from signoff.web.refusals import LOOKUP_FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.space_admin import signed_in_user
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

PATH = "/admin/confluence"
MANAGE = "manage Confluence sites"
NOTICES = {
    "site": "Site connected: its credentials worked. Link a space to it below.",
    "link": "Space linked: its pages are recorded from the next pass on.",
}
# What a form shows again after a refusal: never a token.
SITE_FIELDS = ("name", "url", "auth", "email")
LINK_FIELDS = ("site", "confluence_space", "space")
# A space key not on the site is a value to correct, shown on the form.


def _check(request: Request, current: CurrentSession) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        require_site_admin(signed_in_user(session, current), MANAGE)


def _page(
    request: Request,
    current: CurrentSession,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    _check(request, current)
    with context.database(request).read() as session:
        sites = site_statuses(session, context.now(request))
    return {
        "current": current,
        "sites": sites,
        "notice": notice,
        "errors": errors or {},
        "values": {"auth": "token", **(values or {})},
    }


@router.get(PATH)
async def confluence_sites(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    notice = NOTICES.get(request.query_params.get("done", ""), "")
    page = await run_in_threadpool(_page, request, current, notice=notice)
    return render(request, "confluence_sites.html", page)


def _by(request: Request, current: CurrentSession, session: Session) -> Acting[User]:
    return Acting(
        signed_in_user(session, current), Origin.ui, None, context.now(request)
    )


def _add_site(request: Request, current: CurrentSession, form: FormValues) -> None:
    bearer = first(form, "auth") == "bearer"
    asked = new_site(
        first(form, "name").strip(),
        first(form, "url").strip(),
        email=None if bearer else (first(form, "email").strip() or None),
        token=None if bearer else first(form, "token"),
        bearer=first(form, "bearer") if bearer else None,
    )
    settings = context.settings(request)
    web_base = check_new_site(asked, allow=settings.confluence_allow_list)
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        do_add_site(
            session,
            asked,
            web_base=web_base,
            site_key=request.app.state.secret_key,
            by=_by(request, current, session),
        )


def _link_space(request: Request, current: CurrentSession, form: FormValues) -> None:
    name = first(form, "site")
    settings, db = context.settings(request), context.database(request)
    with db.read() as session:
        site = find_site(session, name)
        try:
            http = site_http(
                site,
                site_key=request.app.state.secret_key,
                allow=settings.confluence_allow_list,
            )
        except ConfluenceError as error:
            raise InvalidState(f"Site {name}: {error}") from None
    remote = find_remote_space(http, first(form, "confluence_space").strip())
    with unit_of_work(db, origin=Origin.ui) as session:
        do_link_space(
            session,
            find_site(session, name),
            remote,
            first(form, "space").strip(),
            by=_by(request, current, session),
        )


async def _post(request: Request, which: str, fields: tuple[str, ...]) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    # Refused here, a person who is no site admin sees the error page, and no
    # address they typed is ever called.
    await run_in_threadpool(_check, request, current)
    act = _add_site if which == "site" else _link_space
    try:
        await run_in_threadpool(act, request, current, form)
    except LOOKUP_FORM_REFUSALS as error:
        told = refusal(error)
        values = {name: first(form, name) for name in fields}
        page = await run_in_threadpool(
            lambda: _page(
                request, current, errors={which: told.sentence}, values=values
            )
        )
        return render(
            request,
            "confluence_sites.html",
            page,
            status=told.status,
            headers={"Cache-Control": "no-store"},
        )
    return RedirectResponse(f"{PATH}?done={which}", status_code=303)


@router.post(PATH + "/sites")
async def add_site(request: Request) -> Response:
    return await _post(request, "site", SITE_FIELDS)


@router.post(PATH + "/links")
async def link_space(request: Request) -> Response:
    return await _post(request, "link", LINK_FIELDS)
