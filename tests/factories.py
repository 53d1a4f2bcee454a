"""Typed builders for test data, going through the real actions.

Each builder takes an open session and returns the stored object. `AT` is the fixed
clock tests start from; `later(minutes)` moves it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.changesets import do_create_change_set
from signoff.actions.confluence.sites import do_add_site, new_site
from signoff.actions.groups import do_add_group_member, do_create_group
from signoff.actions.pages import do_create_page, do_edit_page
from signoff.actions.spaces import do_add_member, do_create_space
from signoff.actions.users import do_create_user
from signoff.actions.workflows import do_assign_workflow, do_create_workflow
from signoff.connectors.confluence.source import source_name
from signoff.db.models import (
    ChangeSet,
    ConfluenceSite,
    Group,
    Page,
    PageVersion,
    Space,
    User,
    Workflow,
)
from signoff.domain.states import Origin, Role, Rule
from signoff.domain.workflows import StepDefinition
from signoff.queries.page_refs import public_page_id

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def later(minutes: int) -> datetime:
    return AT + timedelta(minutes=minutes)


def by(
    actor: User | None, origin: Origin = Origin.ui, *, now: datetime = AT
) -> dict[str, Any]:
    """The keyword every action takes, `by`: who, from where, when (no client)."""
    return {"by": Acting(actor, origin, None, now)}


def make_user(
    session: Session,
    username: str,
    *,
    site_admin: bool = False,
    password: str | None = None,
) -> User:
    return do_create_user(
        session,
        username,
        password,
        display_name=username.title(),
        site_admin=site_admin,
        **by(None, Origin.cli),
    )


def make_group(session: Session, name: str, members: Sequence[User]) -> Group:
    group = do_create_group(session, name, **by(None, Origin.cli))
    for member in members:
        do_add_group_member(session, group, member, **by(None, Origin.cli))
    return group


def make_space(
    session: Session,
    key: str = "DOCS",
    *,
    admin: User,
    members: dict[User, Role] | None = None,
) -> Space:
    space = do_create_space(session, key, f"{key} space", **by(None, Origin.cli))
    do_add_member(session, space, admin, Role.admin, **by(None, Origin.cli))
    for user, role in (members or {}).items():
        do_add_member(session, space, user, role, **by(None, Origin.cli))
    return space


def make_page(
    session: Session,
    space: Space,
    author: User,
    title: str = "Policy",
    body: str = "<p>v1</p>",
) -> Page:
    return do_create_page(session, space, title=title, body=body, **by(author))


def make_confluence_site(session: Session, name: str = "acme") -> ConfluenceSite:
    """A connected Confluence Cloud site (never called: its credentials are made up)."""
    site = new_site(
        name,
        f"https://{name}.atlassian.net/wiki",
        email="bot@example.com",
        token="test-api-token",
    )
    return do_add_site(
        session,
        site,
        web_base=f"https://{name}.atlassian.net/wiki",
        site_key="test-site-key",
        **by(None, Origin.cli),
    )


def make_confluence_page(
    session: Session,
    space: Space,
    author: User,
    site: ConfluenceSite,
    page_id: str,
    title: str = "Runbook",
) -> Page:
    """A page of `site` governed in `space`, as a polling pass records one: Confluence
    page id `page_id`, one version."""
    page = make_page(session, space, author, title=title)
    page.source, page.external_id = source_name(site.id), page_id
    session.flush()
    return page


def edit(
    session: Session, page: Page, author: User, body: str, *, minutes: int = 1
) -> PageVersion:
    return do_edit_page(session, page, body=body, **by(author, now=later(minutes)))


def step(
    *approvers: User,
    groups: Sequence[Group] = (),
    rule: Rule = Rule.all,
    quorum: int | None = None,
    min_rejections: int = 1,
    name: str = "Review",
) -> StepDefinition:
    return StepDefinition(
        name=name,
        approver_ids=tuple(user.id for user in approvers),
        group_ids=tuple(group.id for group in groups),
        rule=rule,
        quorum=quorum,
        min_rejections=min_rejections,
    )


def make_workflow(
    session: Session,
    space: Space,
    admin: User,
    steps: Sequence[StepDefinition],
    *,
    name: str = "Standard review",
    pages: Sequence[Page] = (),
    space_default: bool = False,
    **options: Any,
) -> Workflow:
    workflow = do_create_workflow(
        session, space, name=name, steps=steps, **options, **by(admin)
    )
    if pages or space_default:
        do_assign_workflow(
            session,
            workflow,
            page_ids=[int(public_page_id(p)) for p in pages],
            space_default=space_default,
            **by(admin),
        )
    return workflow


def make_change_set(
    session: Session,
    space: Space,
    editor: User,
    pages: Sequence[Page],
    title: str = "Release",
) -> ChangeSet:
    return do_create_change_set(
        session,
        space,
        title=title,
        summary="Docs for the release",
        reference_url="https://git.example.com/pr/1",
        page_ids=[int(public_page_id(p)) for p in pages],
        **by(editor),
    )
