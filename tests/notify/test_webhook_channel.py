"""The webhook channel end to end: an action's outbox row fans out to each subscribed
receiver, the worker delivers it signed to a real HTTP server on loopback, every
attempt is logged, failures are retried under the same message id, and a target the
policy refuses at delivery time is never contacted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from factories import (
    by,
    make_confluence_site,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_submit_page
from signoff.actions.unit import unit_of_work
from signoff.actions.webhooks import do_create_webhook, do_update_webhook
from signoff.connectors.confluence.source import source_name
from signoff.db.models import (
    OutboxMessage,
    Page,
    Space,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from signoff.db.session import Database
from signoff.domain.states import Origin, Role
from signoff.notify.handlers import Handlers
from signoff.notify.signing import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from signoff.notify.webhooks import DELIVERY_KIND, WebhookSender, fan_out_webhooks
from signoff.notify.worker import OutboxWorker
from signoff.outbound.secrets import webhook_secret
from signoff.outbound.url_policy import AllowList
from worker.support import Clock

from .servers import CountingListener, Receiver

SITE_KEY = "site-key-for-webhook-tests"


@dataclass
class Scene:
    db: Database
    clock: Clock
    receiver: Receiver
    space_id: int
    admin_id: int
    editor_id: int
    page_ids: list[int]

    @property
    def allow(self) -> AllowList:
        return AllowList.parse(f"127.0.0.1:{self.receiver.port}")

    def subscribe(self, path: str = "/ok", events: tuple[str, ...] = ("*",)) -> int:
        with self.db.write() as session:
            hook = do_create_webhook(
                session,
                session.get(Space, self.space_id),  # type: ignore[arg-type]
                url=f"http://127.0.0.1:{self.receiver.port}{path}",
                events=list(events),
                allow=self.allow,
                **by(session.get(User, self.admin_id)),
            )
            return hook.id

    def submit(self, index: int = 0) -> None:
        with self.db.write() as session:
            page = session.get(Page, self.page_ids[index])
            assert page is not None
            do_submit_page(session, page, **by(session.get(User, self.editor_id)))

    def worker(self, allow: AllowList | None = None) -> OutboxWorker:
        sender = WebhookSender(
            site_key=SITE_KEY, allow=allow or self.allow, clock=self.clock
        )
        handlers = Handlers({DELIVERY_KIND: sender}, fallback=fan_out_webhooks)
        return OutboxWorker(self.db, handlers, clock=self.clock, random=lambda: 0.5)

    def drain(self, worker: OutboxWorker | None = None) -> None:
        """Run the worker until nothing is due now."""
        worker = worker or self.worker()
        while worker.run_once():
            pass

    def statuses(self, kind: str = DELIVERY_KIND) -> list[str]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(OutboxMessage.status)
                    .where(OutboxMessage.kind == kind)
                    .order_by(OutboxMessage.id)
                )
            )

    def log(self) -> list[WebhookDelivery]:
        with self.db.read() as session:
            rows = list(
                session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
            )
            session.expunge_all()
            return rows

    def secret(self, hook_id: int) -> str:
        with self.db.read() as session:
            hook = session.get(WebhookSubscription, hook_id)
            assert hook is not None
            return webhook_secret(SITE_KEY, hook.id, hook.salt)


@pytest.fixture
def scene(db: Database) -> Iterator[Scene]:
    receiver = Receiver()
    with db.write() as session:
        admin, editor, approver = (
            make_user(session, name) for name in ("admin", "editor", "approver")
        )
        space = make_space(
            session, admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        pages = [make_page(session, space, editor, title=f"Page {n}") for n in range(2)]
        make_workflow(session, space, admin, [step(approver)], space_default=True)
        ids = (space.id, admin.id, editor.id, [page.id for page in pages])
    try:
        yield Scene(db, Clock(), receiver, *ids)
    finally:
        receiver.close()


def test_a_submission_reaches_the_receiver_signed_and_logged(scene: Scene) -> None:
    hook_id = scene.subscribe(events=("approval.submitted",))
    scene.submit()
    scene.drain()

    (request,) = scene.receiver.requests
    body = json.loads(request.body)
    assert body["event"] == "approval.submitted"
    assert body["data"]["pageId"] == str(scene.page_ids[0])
    assert body["data"]["version"] == 1 and body["data"]["origin"] == "ui"
    assert "recipients" not in body["data"]  # whom it asked is for email only
    assert body["spaceId"] == str(scene.space_id)
    assert request.headers[MESSAGE_ID_HEADER] == body["id"]
    assert request.headers["X-Signoff-Event"] == "approval.submitted"
    assert verify(
        scene.secret(hook_id),
        request.headers[SIGNATURE_HEADER],
        request.headers[TIMESTAMP_HEADER],
        request.body,
        now=scene.clock(),
    )
    (attempt,) = scene.log()
    assert (attempt.status_code, attempt.error, attempt.attempt) == (200, None, 1)
    assert attempt.message_id == body["id"]
    assert scene.statuses() == ["delivered"]


def test_each_receiver_gets_its_own_delivery_of_the_same_event(scene: Scene) -> None:
    first = scene.subscribe("/ok", ("approval.submitted",))
    second = scene.subscribe("/ok", ("*",))
    scene.subscribe("/ok", ("approval.approved",))  # wants something else
    scene.submit()
    scene.drain()
    submitted = [
        json.loads(r.body)
        for r in scene.receiver.requests
        if json.loads(r.body)["event"] == "approval.submitted"
    ]
    assert len(submitted) == 2
    assert submitted[0]["eventId"] == submitted[1]["eventId"]
    assert submitted[0]["id"] != submitted[1]["id"]
    by_hook = {row.subscription_id for row in scene.log()}
    assert {first, second} <= by_hook and len(by_hook) == 2


def test_a_failing_receiver_is_retried_under_the_same_message_id(
    scene: Scene,
) -> None:
    scene.subscribe("/flaky", ("approval.submitted",))
    scene.receiver.failures_left = 2
    scene.submit()
    worker = scene.worker()
    scene.drain(worker)
    assert scene.statuses() == ["retry"]
    for _ in range(2):
        scene.clock.advance(hours=7)  # past any backoff
        scene.drain(worker)
    assert scene.statuses() == ["delivered"]
    ids = {r.headers[MESSAGE_ID_HEADER] for r in scene.receiver.requests}
    assert len(scene.receiver.requests) == 3 and len(ids) == 1
    attempts = [(row.attempt, row.status_code) for row in scene.log()]
    assert attempts == [(1, 503), (2, 503), (3, 200)]
    assert scene.log()[0].error is not None and "503" in scene.log()[0].error


def test_a_rolled_back_action_sends_nothing(scene: Scene) -> None:
    scene.subscribe()
    scene.drain()
    before = len(scene.receiver.requests)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), unit_of_work(scene.db, origin=Origin.ui) as session:
        page = session.get(Page, scene.page_ids[0])
        assert page is not None
        do_submit_page(session, page, **by(session.get(User, scene.editor_id)))
        raise Abort
    assert scene.worker().run_once() == 0
    assert len(scene.receiver.requests) == before


def test_a_target_refused_at_delivery_is_never_contacted(scene: Scene) -> None:
    listener = CountingListener()
    try:
        scene.receiver.port, real_port = listener.port, scene.receiver.port
        scene.subscribe("/ok", ("approval.submitted",))
        scene.receiver.port = real_port
        scene.submit()
        # The operator has since removed the allow-list entry.
        scene.drain(scene.worker(allow=AllowList.parse("")))
        assert listener.count() == 0
        assert scene.statuses() == ["dead"]
        (attempt,) = scene.log()
        assert attempt.status_code is None and "refused" in (attempt.error or "")
    finally:
        listener.close()


def test_paused_and_removed_receivers_are_owed_nothing(scene: Scene) -> None:
    hook_id = scene.subscribe("/ok", ("approval.submitted",))
    with scene.db.write() as session:
        hook = session.get(WebhookSubscription, hook_id)
        assert hook is not None
        do_update_webhook(
            session, hook, active=False, allow=scene.allow, **by(None, Origin.cli)
        )
    scene.submit()
    scene.drain()
    assert scene.receiver.requests == []
    assert scene.statuses() == []


def test_a_confluence_page_is_named_by_its_confluence_id_in_deliveries(
    scene: Scene,
) -> None:
    with scene.db.write() as session:
        page = session.get(Page, scene.page_ids[1])
        assert page is not None
        site = make_confluence_site(session)
        page.source, page.external_id = source_name(site.id), "2654210049"
    scene.subscribe(events=("approval.submitted",))
    scene.submit(1)
    scene.drain()

    (request,) = scene.receiver.requests
    assert json.loads(request.body)["data"]["pageId"] == "2654210049"
