"""The load test's world, built through the real actions before the server starts.

One space; an author; one approver per simulated user, each with an API token; a
one-step workflow that needs every approver (`all`), so that each approver can
approve each page once and no approval is refused for the page being done already;
and the pages, all submitted, so the queue is full from the first request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from signoff.actions.approvals import do_submit_page
from signoff.actions.pages import do_create_page
from signoff.actions.site import do_set_api_enabled
from signoff.actions.spaces import do_add_member, do_create_space
from signoff.actions.tokens import do_create_token
from signoff.actions.users import do_create_user
from signoff.actions.workflows import do_assign_workflow, do_create_workflow
from signoff.auth.scopes import Scope
from signoff.bench.world import by
from signoff.db.models import Space, User
from signoff.db.session import Database
from signoff.domain.states import Role, Rule
from signoff.domain.workflows import StepDefinition

BATCH = 250  # pages per setup transaction; setup is not measured
SCOPES = (Scope.read_approval.value, Scope.decide_approval.value, Scope.read_page.value)


@dataclass(frozen=True)
class World:
    base_url: str
    tokens: list[str]
    """One approver's bearer token per simulated user."""
    approver_ids: list[int]
    """The user id each token belongs to, in the same order."""
    page_ids: list[int]
    version: int
    """The version every page is at, and so the one each approval names."""

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> World:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def build_world(
    db: Database,
    *,
    base_url: str,
    approvers: int,
    pages: int,
    progress: Callable[[int], None] = lambda done: None,
) -> World:
    """The world; `progress` is told how many pages are submitted after each batch."""
    with db.write() as session:
        space_id, author_id, approver_ids, tokens = _people_and_space(
            session, approvers
        )
    page_ids: list[int] = []
    for start in range(0, pages, BATCH):
        with db.write() as session:
            space = session.get_one(Space, space_id)
            author = session.get_one(User, author_id)
            for n in range(start, min(start + BATCH, pages)):
                page = do_create_page(
                    session,
                    space,
                    title=f"Procedure {n + 1}",
                    body=f"<p>Step {n + 1}: check, sign, publish.</p>",
                    **by(author),
                )
                session.flush()
                do_submit_page(session, page, **by(author))
                page_ids.append(page.id)
        progress(len(page_ids))
    return World(
        base_url=base_url,
        tokens=tokens,
        approver_ids=approver_ids,
        page_ids=page_ids,
        version=1,
    )


def _people_and_space(
    session: Session, approvers: int
) -> tuple[int, int, list[int], list[str]]:
    admin = do_create_user(
        session,
        "load-admin",
        None,
        display_name="Load Admin",
        site_admin=True,
        **by(None),
    )
    author = do_create_user(
        session, "load-author", None, display_name="Load Author", **by(None)
    )
    do_set_api_enabled(session, True, **by(admin))
    space = do_create_space(session, "LOAD", "Load test", **by(admin))
    do_add_member(session, space, author, Role.editor, **by(admin))
    people = []
    tokens = []
    for n in range(approvers):
        person = do_create_user(
            session,
            f"approver-{n + 1}",
            None,
            display_name=f"Approver {n + 1}",
            **by(None),
        )
        do_add_member(session, space, person, Role.viewer, **by(admin))
        _, secret = do_create_token(session, person, scopes=SCOPES, **by(person))
        people.append(person)
        tokens.append(secret)
    step = StepDefinition(
        name="Everyone signs",
        approver_ids=tuple(person.id for person in people),
        group_ids=(),
        rule=Rule.all,
        quorum=None,
        min_rejections=1,
    )
    workflow = do_create_workflow(
        session, space, name="Everyone signs", steps=[step], **by(admin)
    )
    do_assign_workflow(session, workflow, space_default=True, **by(admin))
    session.flush()
    return space.id, author.id, [person.id for person in people], tokens
