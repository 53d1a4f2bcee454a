"""Demo data for `make run`: three people, two workflows, a page in every state.

Everything is created through the real actions, so the demo's audit trail, outbox
and cached facts are exactly what real use produces. Seeding is idempotent: it writes
only into an empty database, and the demo passwords are fixed and documented
(docs/demo.md), so nothing secret is stored to print them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.actions.acting import Acting
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.changeset_decisions import do_decide_change_set
from signoff.actions.changesets import (
    do_create_change_set,
    do_submit_change_set,
    do_update_change_set,
)
from signoff.actions.claims import do_claim_review
from signoff.actions.delegations import do_set_delegation
from signoff.actions.groups import do_add_group_member, do_create_group
from signoff.actions.overrides import do_override_review
from signoff.actions.pages import do_create_page, do_edit_page
from signoff.actions.site import do_set_api_enabled
from signoff.actions.spaces import do_add_member, do_create_space
from signoff.actions.unit import unit_of_work
from signoff.actions.users import do_create_user
from signoff.actions.workflows import do_assign_workflow, do_create_workflow
from signoff.db.models import Group, Page, Space, User, Workflow
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Origin, Role, Rule
from signoff.domain.workflows import StepDefinition

DEMO_SPACE = "DEMO"
REFERENCE_URL = "https://git.example.com/docs/pull/42"
# The story starts this long before `now`, so the history has plausible times.
STORY_SPAN = timedelta(days=3)
CLAIM_HOURS = 4.0


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    display_name: str
    roles: str


DEMO_LOGINS = (
    DemoLogin(
        "alice",
        "alice-demo-pass",
        "Alice Admin",
        "site admin, DEMO admin, group reviewers",
    ),
    DemoLogin("bob", "bob-demo-pass", "Bob Editor", "DEMO editor, writes the pages"),
    DemoLogin(
        "carol",
        "carol-demo-pass",
        "Carol Approver",
        "DEMO viewer, approver, group reviewers",
    ),
)


class SeedOutcome(StrEnum):
    created = "created"
    present = "present"  # the demo space exists: nothing written
    skipped = "skipped"  # the database holds other data: nothing written


@dataclass(frozen=True)
class DemoLogins:
    outcome: SeedOutcome
    space_key: str
    logins: tuple[DemoLogin, ...]


def seed_demo(db: Database, *, now: datetime) -> DemoLogins:
    """Seed the demo in one transaction: all of it or nothing."""
    with unit_of_work(db, origin=Origin.cli) as session:
        outcome = _existing_data(session)
        if outcome is None:
            _Story(session, start=now - STORY_SPAN).tell()
            _claim_the_owner_review(session, now)
            _carol_plans_a_week_away(session, now)
            outcome = SeedOutcome.created
    return DemoLogins(outcome, DEMO_SPACE, DEMO_LOGINS)


def _claim_the_owner_review(session: Session, now: datetime) -> None:
    """Carol claimed the review waiting for her ten minutes ago, so the byline and
    the queue show a claim that lasts past `now` (the default four hours)."""
    carol = session.scalars(select(User).where(User.username == "carol")).one()
    page = session.scalars(select(Page).where(Page.title == "Release notes 2.0")).one()
    at = now - timedelta(minutes=10)
    do_claim_review(
        session,
        page,
        hours=CLAIM_HOURS,
        by=Acting(carol, Origin.ui, None, at),
    )


def _carol_plans_a_week_away(session: Session, now: datetime) -> None:
    """Carol is away next week and named Alice to decide for her then: the account
    page and `GET /delegations` show it, and reviews decided now are unchanged."""
    carol, alice = (
        session.scalars(select(User).where(User.username == name)).one()
        for name in ("carol", "alice")
    )
    starts = (now + timedelta(days=7)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    do_set_delegation(
        session,
        carol,
        alice,
        starts_at=starts,
        ends_at=starts + timedelta(days=7),
        by=Acting(carol, Origin.ui, None, now - timedelta(minutes=5)),
    )


def _existing_data(session: Session) -> SeedOutcome | None:
    if session.scalar(select(Space.id).where(Space.key == DEMO_SPACE)) is not None:
        return SeedOutcome.present
    if (
        session.scalar(select(User.id).limit(1)) is not None
        or session.scalar(select(Space.id).limit(1)) is not None
    ):
        return SeedOutcome.skipped
    return None


def _body(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


class _Story:
    """The demo as a sequence of things people did, each some minutes after the last."""

    def __init__(self, session: Session, *, start: datetime) -> None:
        self.session = session
        self.at = start

    def by(self, actor: User | None, minutes: int = 5) -> dict[str, Any]:
        """An action's who, where and when; the shell operator sets the site up."""
        self.at += timedelta(minutes=minutes)
        origin = Origin.cli if actor is None else Origin.ui
        return {"by": Acting(actor, origin, None, self.at)}

    def tell(self) -> None:
        alice, bob, carol = self.people()
        reviewers = do_create_group(self.session, "reviewers", **self.by(None))
        for member in (carol, alice):
            do_add_group_member(self.session, reviewers, member, **self.by(None))
        do_set_api_enabled(self.session, True, **self.by(None))
        space = self.space(alice, bob, carol)
        quick, legal = self.workflows(space, alice, carol, reviewers)
        pages = self.pages(space, bob)
        for workflow, titles in ((quick, QUICK_PAGES), (legal, LEGAL_PAGES)):
            do_assign_workflow(
                self.session,
                workflow,
                page_ids=[pages[title].id for title in titles],
                **self.by(alice),
            )
        self.reviews(space, pages, alice, bob, carol)

    def people(self) -> tuple[User, User, User]:
        alice, bob, carol = (
            do_create_user(
                self.session,
                login.username,
                login.password,
                display_name=login.display_name,
                email=f"{login.username}@example.com",
                site_admin=login.username == "alice",
                **self.by(None),
            )
            for login in DEMO_LOGINS
        )
        return alice, bob, carol

    def space(self, alice: User, bob: User, carol: User) -> Space:
        space = do_create_space(
            self.session, DEMO_SPACE, "Demo documentation", **self.by(None)
        )
        for user, role in (
            (alice, Role.admin),
            (bob, Role.editor),
            (carol, Role.viewer),
        ):
            do_add_member(self.session, space, user, role, **self.by(None))
        return space

    def workflows(
        self, space: Space, alice: User, carol: User, reviewers: Group
    ) -> tuple[Workflow, Workflow]:
        quick = do_create_workflow(
            self.session,
            space,
            name="Quick review",
            steps=[
                StepDefinition("Review", (carol.id, alice.id), (), Rule.any, None, 1)
            ],
            **self.by(alice),
        )
        legal = do_create_workflow(
            self.session,
            space,
            name="Legal and owner",
            steps=[
                StepDefinition("Legal", (), (reviewers.id,), Rule.quorum, 1, 1),
                StepDefinition("Owner", (carol.id,), (), Rule.all, None, 1),
            ],
            **self.by(alice),
        )
        return quick, legal

    def pages(self, space: Space, bob: User) -> dict[str, Page]:
        return {
            title: do_create_page(
                self.session, space, title=title, body=body, **self.by(bob, 12)
            )
            for title, body in PAGES.items()
        }

    def reviews(
        self, space: Space, pages: dict[str, Page], alice: User, bob: User, carol: User
    ) -> None:
        """Bring each page to its state; the comments say which."""
        s = self.session
        release = do_create_change_set(
            s,
            space,
            title="Release 2.0 documentation",
            summary="The pages that ship with release 2.0.",
            reference_url=REFERENCE_URL,
            page_ids=[pages[title].id for title in CHANGE_SET_PAGES],
            **self.by(bob, 30),
        )
        do_submit_change_set(s, release, **self.by(bob))
        # carol approves the whole set in one act. Installation guide: one approval
        # completes the single "any" step. API reference: approved now, stale after
        # bob's edit below. Release notes 2.0: in review, the Legal step passes (carol
        # is in `reviewers`) and the Owner step waits for her.
        do_decide_change_set(
            s,
            release,
            DecisionKind.approve,
            comment="Read the whole release; good to go.",
            **self.by(carol, 95),
        )
        security, pricing = pages["Security policy"], pages["Pricing FAQ"]
        migration = pages["Migration guide"]
        for page in (security, pricing, migration):
            do_submit_page(s, page, **self.by(bob, 25))
        # rejected, with the reason
        self.decide(security, carol, DecisionKind.reject, 180, comment=REJECTION)
        # superseded: edited while its review was pending
        do_edit_page(
            s,
            pricing,
            body=_body("Prices are per seat and month.", "Annual plans save 15%."),
            message="Annual discount",
            **self.by(bob, 60),
        )
        # cancelled: the author withdrew it
        do_cancel_request(s, migration, **self.by(bob, 30))
        # approved by an override: alice, a space admin, went around the approvers
        runbook = pages["Incident runbook"]
        do_submit_page(s, runbook, **self.by(bob, 20))
        do_override_review(
            s,
            runbook,
            DecisionKind.approve,
            version=runbook.current_version,
            reason=OVERRIDE_REASON,
            **self.by(alice, 35),
        )
        do_edit_page(
            s,
            pages["API reference"],
            body=API_REFERENCE_V2,
            message="Document queue pagination",
            **self.by(bob, 240),
        )
        # the change set also lists the draft, which nobody has submitted
        do_update_change_set(
            s,
            release,
            page_ids=[pages[title].id for title in (*CHANGE_SET_PAGES, DRAFT_PAGE)],
            **self.by(bob, 15),
        )

    def decide(
        self,
        page: Page,
        approver: User,
        kind: DecisionKind,
        minutes: int,
        *,
        comment: str = "",
    ) -> None:
        do_record_decision(
            self.session,
            page,
            kind,
            version=page.current_version,
            comment=comment,
            **self.by(approver, minutes),
        )


DRAFT_PAGE = "Welcome to the demo space"
PAGES = {
    DRAFT_PAGE: _body(
        "This space shows every approval state. Nobody has asked for review yet."
    ),
    "Release notes 2.0": _body("Release 2.0 adds change sets and an audit export."),
    "Installation guide": _body("Run make run, then open http://127.0.0.1:8000."),
    "API reference": _body(
        "Every endpoint answers JSON.", "Authenticate with a bearer token."
    ),
    "Security policy": _body("We encrypt data at rest.", "Section 3: retention."),
    "Pricing FAQ": _body("Prices are per seat and month."),
    "Migration guide": _body("Back up the database before you upgrade."),
    "Incident runbook": _body(
        "Page the on-call engineer.", "Rotate the leaked key first, then explain."
    ),
}
QUICK_PAGES = (DRAFT_PAGE, "Installation guide", "API reference", "Pricing FAQ")
LEGAL_PAGES = (
    "Release notes 2.0",
    "Security policy",
    "Migration guide",
    "Incident runbook",
)
CHANGE_SET_PAGES = ("Release notes 2.0", "Installation guide", "API reference")
REJECTION = "Section 3 must say how long we keep customer data."
OVERRIDE_REASON = "Needed for tonight's incident; legal will review it tomorrow."
API_REFERENCE_V2 = _body(
    "Every endpoint answers JSON.",
    "Authenticate with a bearer token.",
    "New: the queue endpoint is cursor-paginated.",
)
