"""A governed Confluence page under review, for the tests of the writes back.

The stand-in site serves one page, "Runbook", that a polling pass has recorded in
the Signoff space DOCS; Edna (an editor) submits it to a one-step workflow whose
approvers are Bob (mapped to his Atlassian account) and Cy (no account mapped); Ada,
who wrote the page in Confluence, is mapped too, so she alone may not decide.
The outbox is then driven the way production drives it: the channels' fan-out
first, then `deliver_confluence_writes`, each with the worker clock the test moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from confluence.governed import Governed
from confluence_site import ConfluenceSite
from confluence_site.records import Comment
from confluence_site.records import Page as RemotePage
from confluence_site.records import User as RemoteUser
from factories import by, make_change_set, make_user, make_workflow, step
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_submit_page,
)
from signoff.actions.spaces import do_add_member
from signoff.config import Settings
from signoff.connectors.confluence.gate import SiteGate
from signoff.db import models
from signoff.db.models import (
    ChangeSet,
    ConfluenceThread,
    OutboxMessage,
    Page,
    Space,
    User,
)
from signoff.domain.states import DecisionKind, Origin, Role
from signoff.notify.channels import channel_handlers
from signoff.notify.confluence_fan_out import CONFLUENCE_EVENTS, WRITE_KIND
from signoff.notify.confluence_writes import deliver_confluence_writes
from signoff.notify.worker import OutboxWorker
from worker.support import Clock

from .governed import SITE_KEY

BASE_URL = "https://signoff.example.com"
KEY = "signoff-approval"


@dataclass
class WriteScene:
    gov: Governed
    tmp: Path
    remote: RemotePage
    bob_remote: RemoteUser
    page_id: int
    users: dict[str, int]
    clock: Clock = field(default_factory=Clock)
    gate: SiteGate = field(default_factory=lambda: SiteGate(backoff_start=0.05))
    labels: bool = False

    @property
    def site(self) -> ConfluenceSite:
        site: ConfluenceSite = self.gov.site
        return site

    def settings(self) -> Settings:
        port = self.gov.running.root.rsplit(":", 1)[1]
        return Settings(
            data_dir=self.tmp / "data",
            base_url=BASE_URL,
            confluence_allow=f"127.0.0.1:{port}",
            confluence_labels=self.labels,
        )

    # Driving the outbox

    def fan_out(self) -> None:
        """The channels' fan-out of every review event now due (not the writes)."""
        handlers = channel_handlers(
            self.settings(), site_key=SITE_KEY, clock=self.clock
        )
        worker = OutboxWorker(
            self.gov.db,
            handlers,
            clock=self.clock,
            kinds=set(CONFLUENCE_EVENTS) | {"approval.step_completed"},
        )
        while worker.run_once():
            pass

    def deliver(self) -> int:
        """Fan out what is new, then the writes back that are due."""
        self.fan_out()
        return deliver_confluence_writes(
            self.gov.db,
            self.settings(),
            site_key=SITE_KEY,
            clock=self.clock,
            gates=lambda site: self.gate,
        )

    def later(self, **delta: float) -> None:
        """Move the worker's clock (never the real one) past any retry delay."""
        self.clock.advance(**delta)

    # Acting in Signoff

    def user(self, session: Session, name: str) -> User:
        return session.get_one(User, self.users[name])

    def submit(self, change_set: bool = False) -> None:
        with self.gov.db.write() as s:
            page = s.get_one(Page, self.page_id)
            chosen = None
            if change_set:
                chosen = self.change_set(s, page)
            do_submit_page(s, page, change_set=chosen, **by(self.user(s, "edna")))

    def change_set(self, session: Session, page: Page) -> ChangeSet:
        made = make_change_set(
            session,
            session.get_one(Space, page.space_id),
            self.user(session, "edna"),
            [page],
            title="Release <b>2.0</b> & friends",
        )
        made.summary = "Restart order changed.\nSee the notes."
        return made

    def decide(self, name: str, kind: DecisionKind, comment: str = "") -> None:
        with self.gov.db.write() as s:
            page = s.get_one(Page, self.page_id)
            do_record_decision(
                s,
                page,
                kind,
                version=page.current_version,
                comment=comment,
                **by(self.user(s, name)),
            )

    def withdraw(self) -> None:
        with self.gov.db.write() as s:
            do_cancel_request(
                s, s.get_one(Page, self.page_id), **by(self.user(s, "edna"))
            )

    # Reading both sides

    def comments(self) -> list[Comment]:
        return sorted(self.site.comments_on(self.remote), key=lambda c: int(c.id))

    def root(self) -> Comment:
        [root] = [c for c in self.comments() if c.parent_comment_id is None]
        return root

    def replies(self) -> list[Comment]:
        return [c for c in self.comments() if c.parent_comment_id is not None]

    def property(self) -> tuple[int, Any]:
        found = self.site.property_by_key(self.remote.id, KEY)
        assert found is not None, "the property was not written"
        return found.version, found.value

    def thread(self) -> str | None:
        with self.gov.db.read() as s:
            return s.scalar(select(ConfluenceThread.comment_id))

    def writes(self) -> list[OutboxMessage]:
        with self.gov.db.read() as s:
            return list(
                s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kind == WRITE_KIND)
                    .order_by(OutboxMessage.id)
                )
            )

    def site_row(self) -> models.ConfluenceSite:
        with self.gov.db.read() as s:
            return s.get_one(models.ConfluenceSite, self.gov.site_id)


def write_scene(gov: Governed, tmp: Path) -> WriteScene:
    site = gov.site
    remote = site.add_page(
        gov.remote_space, "Runbook", "<p>Restart the service.</p>", author=gov.author
    )
    bob_remote = site.add_user("Bob Remote")
    gov.sync()
    page_id = gov.page(remote.id).id
    with gov.db.write() as s:
        space = s.get_one(Space, gov.space_id)
        people = {name: make_user(s, name) for name in ("ada", "edna", "bob", "cy")}
        do_add_member(s, space, people["edna"], Role.editor, **by(None, Origin.cli))
        for name in ("bob", "cy"):
            do_add_member(s, space, people[name], Role.viewer, **by(None, Origin.cli))
        admin = s.get_one(User, gov.admin.id)
        make_workflow(
            s,
            space,
            admin,
            [step(people["bob"], people["cy"])],
            space_default=True,
        )
        users = {name: user.id for name, user in people.items()}
    # The page's author is known, so only she is kept from deciding; Cy has no
    # account, Bob has his.
    gov.map(gov.author.account_id, _detached(gov, users["ada"]))
    gov.map(bob_remote.account_id, _detached(gov, users["bob"]))
    return WriteScene(gov, tmp, remote, bob_remote, page_id, users)


def _detached(gov: Governed, user_id: int) -> User:
    with gov.db.read() as s:
        user = s.get_one(User, user_id)
        s.expunge(user)
        return user
