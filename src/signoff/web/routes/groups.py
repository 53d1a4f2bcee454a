"""The Groups page for site administrators: list groups with their members and what
each follows, create, rename, add or remove a member, delete, follow or unfollow a
Confluence group. Each form runs the same group action as `signoff group` and
`/api/v1/groups`, recorded with origin `ui`; a refusal is shown on the page, above
the groups, with the status the API would send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.access import access_group
from signoff.actions.acting import Acting
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
from signoff.actions.unit import unit_of_work
from signoff.actions.users import require_site_admin
from signoff.connectors.confluence.connect import site_http
from signoff.connectors.confluence.http import ConfluenceHttp
from signoff.db.models import ConfluenceSite, User
from signoff.domain.errors import NotFound
from signoff.domain.states import Origin
from signoff.queries.confluence import sites_named
from signoff.queries.group_follows import follows_by_group
from signoff.queries.groups import active_people, list_groups, user_named
from signoff.web import context
from signoff.web.forms import FormValues, first
from signoff.web.refusals import LOOKUP_FORM_REFUSALS, refusal
from signoff.web.require_session import signed_in, signed_in_form
from signoff.web.sessions import CurrentSession
from signoff.web.space_admin import signed_in_user
from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

PATH = "/admin/groups"
MANAGE = "manage groups"
Act = Callable[[Session, FormValues, Acting[User]], None]
Perform = Callable[[Request, CurrentSession, FormValues], None]


def _check(request: Request, current: CurrentSession) -> None:
    with unit_of_work(context.database(request), origin=Origin.ui) as session:
        require_site_admin(signed_in_user(session, current), MANAGE)


def _page(request: Request, current: CurrentSession, error: str = "") -> dict[str, Any]:
    _check(request, current)
    with context.database(request).read() as session:
        groups = list_groups(session)
        people = active_people(session)
        follows = follows_by_group(session)
        sites = [site.name for site in sites_named(session, None)]
    return {
        "current": current,
        "groups": groups,
        "people": people,
        "follows": follows,
        "sites": sites,
        "error": error,
        "done": request.query_params.get("done", ""),
    }


@router.get(PATH)
async def groups_page(request: Request) -> Response:
    current = await signed_in(request)
    if isinstance(current, Response):
        return current
    page = await run_in_threadpool(_page, request, current)
    return render(request, "groups.html", page)


def _person(session: Session, form: FormValues) -> User:
    username = first(form, "username").strip()
    user = user_named(session, username)
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


def _create(session: Session, form: FormValues, by: Acting[User]) -> None:
    do_create_group(session, first(form, "name").strip(), by=by)


def _rename(session: Session, form: FormValues, by: Acting[User]) -> None:
    group = access_group(session, first(form, "name"))
    do_rename_group(session, group, first(form, "new_name").strip(), by=by)


def _add(session: Session, form: FormValues, by: Acting[User]) -> None:
    group = access_group(session, first(form, "name"))
    do_add_group_member(session, group, _person(session, form), by=by)


def _remove(session: Session, form: FormValues, by: Acting[User]) -> None:
    group = access_group(session, first(form, "name"))
    do_remove_group_member(session, group, _person(session, form), by=by)


def _delete(session: Session, form: FormValues, by: Acting[User]) -> None:
    do_delete_group(session, access_group(session, first(form, "name")), by=by)


def _unfollow(session: Session, form: FormValues, by: Acting[User]) -> None:
    do_unfollow_group(session, access_group(session, first(form, "name")), by=by)


def _in_one_unit(act: Act) -> Perform:
    """`act` in one unit of work, by the signed-in person."""

    def perform(request: Request, current: CurrentSession, form: FormValues) -> None:
        with unit_of_work(context.database(request), origin=Origin.ui) as session:
            user = signed_in_user(session, current)
            act(session, form, Acting(user, Origin.ui, None, context.now(request)))

    return perform


def _follow(request: Request, current: CurrentSession, form: FormValues) -> None:
    """Checked in a read transaction, the Confluence group read with none open,
    then linked and synced in one unit of work (as `follow_group` does)."""
    name, site_name = first(form, "name"), first(form, "site")
    state = request.app.state

    def http_for(site: ConfluenceSite) -> ConfluenceHttp:
        allow = state.settings.confluence_allow_list
        return site_http(site, site_key=state.secret_key, allow=allow)

    with context.database(request).read() as session:
        fetch = prepare_follow(
            session,
            name,
            site_name,
            first(form, "confluence_group"),
            actor=signed_in_user(session, current),
            http_for=http_for,
        )
    read: ConfluenceGroupRead = fetch()

    def link(session: Session, _form: FormValues, by: Acting[User]) -> None:
        group, site = access_group(session, name), find_site(session, site_name)
        do_follow_group(session, group, site, read, by=by)

    _in_one_unit(link)(request, current, form)


async def _post(request: Request, perform: Perform, done: str) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    await run_in_threadpool(_check, request, current)  # else the error page
    try:
        await run_in_threadpool(perform, request, current, form)
    except LOOKUP_FORM_REFUSALS as error:
        told = refusal(error)
        page = await run_in_threadpool(_page, request, current, told.sentence)
        return render(
            request,
            "groups.html",
            page,
            status=told.status,
            headers={"Cache-Control": "no-store"},
        )
    return RedirectResponse(f"{PATH}?done={done}", status_code=303)


@router.post(PATH)
async def create_group(request: Request) -> Response:
    return await _post(request, _in_one_unit(_create), "created")


@router.post(PATH + "/rename")
async def rename_group(request: Request) -> Response:
    return await _post(request, _in_one_unit(_rename), "renamed")


@router.post(PATH + "/members/add")
async def add_member(request: Request) -> Response:
    return await _post(request, _in_one_unit(_add), "added")


@router.post(PATH + "/members/remove")
async def remove_member(request: Request) -> Response:
    return await _post(request, _in_one_unit(_remove), "removed")


@router.post(PATH + "/delete")
async def delete_group(request: Request) -> Response:
    return await _post(request, _in_one_unit(_delete), "deleted")


@router.post(PATH + "/follow")
async def follow_group(request: Request) -> Response:
    return await _post(request, _follow, "followed")


@router.post(PATH + "/unfollow")
async def unfollow_group(request: Request) -> Response:
    return await _post(request, _in_one_unit(_unfollow), "unfollowed")
