"""A space whose reviews send email: people with and without addresses, a group, a
workflow, a real SMTP server on loopback and the real outbox worker.

(`tests/email/` has no `__init__.py`: as a package its name would hide the
standard library's `email`; its modules are imported by their own names.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from mailserver import MailServer
from sqlalchemy import select

from factories import by, make_change_set, make_page, make_space, make_workflow, step
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.actions.groups import do_add_group_member, do_create_group
from signoff.actions.pages import do_edit_page
from signoff.actions.preferences import do_set_email_preferences
from signoff.actions.spaces import do_remove_member
from signoff.actions.users import do_create_user
from signoff.config import Settings
from signoff.db.models import ChangeSet, OutboxMessage, Page, Space, User
from signoff.db.session import Database
from signoff.domain.states import DecisionKind, Origin, Role, Rule
from signoff.notify.email import SEND_KIND, EmailSender, email_fan_out
from signoff.notify.handlers import Handlers
from signoff.notify.worker import OutboxWorker
from worker.support import Clock

BASE_URL = "https://signoff.example.com"
MAIL_FROM = "Signoff <signoff@example.com>"
# name: (email, wants email); all of them may see the space
PEOPLE: dict[str, tuple[str | None, bool]] = {
    "admin": ("admin@example.com", True),
    "editor": ("editor@example.com", True),
    "approver": ("approver@example.com", True),
    "quiet": ("quiet@example.com", False),  # turned approval email off
    "ann": ("ann@example.com", True),  # in the reviewers group
    "nomail": (None, True),  # in the reviewers group, no address
    "gone": ("gone@example.com", True),  # in the reviewers group, deactivated
}


@dataclass
class Scene:
    db: Database
    clock: Clock
    server: MailServer
    tmp: Path
    ids: dict[str, int] = field(default_factory=dict)
    page_ids: list[int] = field(default_factory=list)
    workflow_id: int = 0
    space_id: int = 0

    def settings(self, port: int | None = None, **changes: Any) -> Settings:
        return Settings(
            data_dir=self.tmp / "data",
            base_url=BASE_URL,
            mail_from=MAIL_FROM,
            smtp_url=f"smtp://127.0.0.1:{port or self.server.port}",
            **changes,
        )

    def worker(self, port: int | None = None) -> OutboxWorker:
        settings = self.settings(port)
        sender = EmailSender(settings, self.clock, timeout=5.0)
        handlers = Handlers({SEND_KIND: sender}, fallback=email_fan_out(settings))
        return OutboxWorker(self.db, handlers, clock=self.clock, random=lambda: 0.5)

    def drain(self, worker: OutboxWorker | None = None) -> None:
        """Run the worker until nothing is due now."""
        worker = worker or self.worker()
        while worker.run_once():
            pass

    def user(self, session: Any, name: str) -> User:
        found = session.get(User, self.ids[name])
        assert found is not None
        return found

    def page(self, session: Any, index: int = 0) -> Page:
        found = session.get(Page, self.page_ids[index])
        assert found is not None
        return found

    def submit(self, index: int = 0, change_set_id: int | None = None) -> None:
        with self.db.write() as session:
            change_set = (
                session.get(ChangeSet, change_set_id) if change_set_id else None
            )
            do_submit_page(
                session,
                self.page(session, index),
                change_set=change_set,
                **by(self.user(session, "editor")),
            )

    def decide(
        self, name: str, kind: DecisionKind, comment: str = "", index: int = 0
    ) -> None:
        with self.db.write() as session:
            page = self.page(session, index)
            do_record_decision(
                session,
                page,
                kind,
                version=page.current_version,
                comment=comment,
                **by(self.user(session, name)),
            )

    def edit(self, name: str, body: str, index: int = 0) -> None:
        with self.db.write() as session:
            do_edit_page(
                session,
                self.page(session, index),
                body=body,
                **by(self.user(session, name)),
            )

    def remove(self, name: str) -> None:
        """The space admin removes `name` from the space."""
        with self.db.write() as session:
            space = session.get(Space, self.space_id)
            assert space is not None
            do_remove_member(
                session,
                space,
                self.user(session, name),
                **by(self.user(session, "admin")),
            )

    def change_set(self, index: int = 0) -> int:
        with self.db.write() as session:
            space = session.get(Space, self.space_id)
            assert space is not None
            made = make_change_set(
                session,
                space,
                self.user(session, "editor"),
                [self.page(session, index)],
                title="Release 4.2",
            )
            return made.id

    def statuses(self, kind: str = SEND_KIND) -> list[str]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(OutboxMessage.status)
                    .where(OutboxMessage.kind == kind)
                    .order_by(OutboxMessage.id)
                )
            )

    def sends(self) -> list[OutboxMessage]:
        with self.db.read() as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kind == SEND_KIND)
                    .order_by(OutboxMessage.id)
                )
            )
            session.expunge_all()
            return rows

    @property
    def mail(self) -> list[EmailMessage]:
        return self.server.mailbox.received


def build(db: Database, tmp: Path, *, title: str = "Policy", **options: Any) -> Scene:
    """The people, a DOCS space, two pages and a one-step workflow (all must approve:
    `approver`, `quiet`, and the `reviewers` group)."""
    scene = Scene(db, Clock(), MailServer(), tmp)
    with db.write() as session:
        people = {
            name: do_create_user(
                session,
                name,
                None,
                display_name=name.title(),
                email=address,
                **by(None, Origin.cli),
            )
            for name, (address, _) in PEOPLE.items()
        }
        for name, (_, wanted) in PEOPLE.items():
            if not wanted:
                do_set_email_preferences(
                    session, people[name], enabled=False, **by(people[name])
                )
        reviewers = do_create_group(session, "reviewers", **by(None, Origin.cli))
        for name in ("ann", "nomail", "gone"):
            do_add_group_member(
                session, reviewers, people[name], **by(None, Origin.cli)
            )
        members = {
            user: Role.editor if name == "editor" else Role.viewer
            for name, user in people.items()
            if name != "admin"
        }
        space = make_space(session, admin=people["admin"], members=members)
        pages = [
            make_page(session, space, people["editor"], title=title),
            make_page(session, space, people["editor"], title="Second page"),
        ]
        workflow = make_workflow(
            session,
            space,
            people["admin"],
            [
                step(
                    people["approver"],
                    people["quiet"],
                    groups=[reviewers],
                    rule=Rule.all,
                )
            ],
            space_default=True,
            **options,
        )
        people["gone"].is_active = False  # no action deactivates people yet
        scene.ids = {name: user.id for name, user in people.items()}
        scene.page_ids = [page.id for page in pages]
        scene.workflow_id, scene.space_id = workflow.id, space.id
    return scene


def running(scene: Scene) -> Iterator[Scene]:
    scene.server.start()
    try:
        yield scene
    finally:
        scene.server.stop()


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def html_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def recipients(mail: list[EmailMessage]) -> list[str]:
    return sorted(str(message["To"]) for message in mail)
