"""The bench's world, built through the real actions before any clock runs.

One space with an administrator, an author and two named approvers; a two-step
workflow with one approver a step as the space default; the pages submitted one by
one; and a change set of further pages for the bulk submit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.changesets import MAX_PAGES, do_create_change_set
from signoff.actions.pages import do_create_page
from signoff.actions.spaces import do_add_member, do_create_space
from signoff.actions.unit import utcnow
from signoff.actions.users import do_create_user
from signoff.actions.workflows import do_assign_workflow, do_create_workflow
from signoff.db.models import Space, User
from signoff.db.session import Database
from signoff.domain.states import Origin, Role, Rule
from signoff.domain.workflows import StepDefinition

SPACE_KEY = "BENCH"
PAGES_PER_TRANSACTION = 500  # setup is not measured; batches keep it quick
PAGE_BODY = "<p>The release checklist: build, sign, publish, announce.</p>"

Progress = Callable[[int], None]
"""Told how many more units of work are done."""


@dataclass(frozen=True)
class World:
    space_id: int
    admin_id: int
    author_id: int
    approver_ids: tuple[int, int]
    page_ids: tuple[int, ...]
    """Submitted one by one, then approved at both steps."""
    change_set_id: int
    change_set_pages: int


def bulk_pages(pages: int) -> int:
    """Pages in the bulk-submitted change set: N, up to what one set may hold."""
    return min(pages, MAX_PAGES)


def by(actor: User | None) -> dict[str, Any]:
    return {"by": Acting(actor, Origin.cli, None, utcnow())}


def build_world(db: Database, pages: int, progress: Progress) -> World:
    with db.write() as session:
        admin, author, first, second = _people(session)
        space = _space(session, admin, author, first, second)
        ids = (space.id, admin.id, author.id, first.id, second.id)
    space_id, admin_id, author_id, first_id, second_id = ids
    page_ids = _pages(db, space_id, author_id, pages, "Runbook", progress)
    bulk_ids = _pages(db, space_id, author_id, bulk_pages(pages), "Release", progress)
    with db.write() as session:
        author = session.get_one(User, author_id)
        change_set = do_create_change_set(
            session,
            session.get_one(Space, space_id),
            title="Bench release",
            summary="Every page of the release, submitted at once.",
            page_ids=bulk_ids,
            **by(author),
        )
        change_set_id = change_set.id
    return World(
        space_id=space_id,
        admin_id=admin_id,
        author_id=author_id,
        approver_ids=(first_id, second_id),
        page_ids=tuple(page_ids),
        change_set_id=change_set_id,
        change_set_pages=len(bulk_ids),
    )


def _people(session: Session) -> tuple[User, User, User, User]:
    def person(username: str, name: str, *, site_admin: bool = False) -> User:
        return do_create_user(
            session,
            username,
            None,
            display_name=name,
            site_admin=site_admin,
            **by(None),
        )

    return (
        person("bench-admin", "Bench Admin", site_admin=True),
        person("alex", "Alex Author"),
        person("riley", "Riley Reviewer"),
        person("sam", "Sam Signer"),
    )


def _space(
    session: Session, admin: User, author: User, first: User, second: User
) -> Space:
    space = do_create_space(session, SPACE_KEY, "Bench space", **by(admin))
    do_add_member(session, space, author, Role.editor, **by(admin))
    for approver in (first, second):
        do_add_member(session, space, approver, Role.viewer, **by(admin))
    workflow = do_create_workflow(
        session,
        space,
        name="Two-step review",
        steps=[_step("Technical review", first), _step("Sign-off", second)],
        **by(admin),
    )
    do_assign_workflow(session, workflow, space_default=True, **by(admin))
    return space


def _step(name: str, approver: User) -> StepDefinition:
    return StepDefinition(
        name=name,
        approver_ids=(approver.id,),
        group_ids=(),
        rule=Rule.all,
        quorum=None,
        min_rejections=1,
    )


def _pages(
    db: Database,
    space_id: int,
    author_id: int,
    count: int,
    title: str,
    progress: Progress,
) -> list[int]:
    ids: list[int] = []
    for start in range(0, count, PAGES_PER_TRANSACTION):
        batch = range(start, min(start + PAGES_PER_TRANSACTION, count))
        with db.write() as session:
            ids.extend(_create_pages(session, space_id, author_id, batch, title))
        progress(len(batch))
    return ids


def _create_pages(
    session: Session, space_id: int, author_id: int, numbers: Sequence[int], title: str
) -> list[int]:
    space = session.get_one(Space, space_id)
    author = session.get_one(User, author_id)
    pages = [
        do_create_page(
            session, space, title=f"{title} {n + 1}", body=PAGE_BODY, **by(author)
        )
        for n in numbers
    ]
    session.flush()
    return [page.id for page in pages]
