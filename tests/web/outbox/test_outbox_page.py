"""The notifications outbox page: site administrators see dead letters and put them
back in line; nobody else sees it."""

from __future__ import annotations

from sqlalchemy import select, update

from factories import AT, by
from oauth.support import Browser
from signoff.actions.outbox import enqueue
from signoff.actions.sessions import do_sign_in
from signoff.db.models import AuditEvent, OutboxMessage, User
from signoff.web.sessions import SESSION_COOKIE
from web.conftest import World, csrf


def dead_letters(world: World, count: int) -> list[str]:
    with world.db.write() as session:
        rows = [
            enqueue(session, "webhook.delivery", {"webhookId": n}, now=AT)
            for n in range(count)
        ]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_id.in_([row.message_id for row in rows]))
            .values(status="dead", attempts=8, last_error="status: 503 busy")
        )
        return [row.message_id for row in rows]


def site_admin(world: World) -> Browser:
    with world.db.write() as session:
        user = session.get(User, world.ids["viewer"])
        assert user is not None
        user.is_site_admin = True
        secret = do_sign_in(session, user, **by(None, now=world.clock())).secret
    browser = world.site.browser()
    browser.client.cookies.set(SESSION_COOKIE, secret)
    return browser


def status_of(world: World, message_id: str) -> str:
    with world.db.read() as session:
        return session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.message_id == message_id)
        ).one()


def test_a_site_admin_sees_dead_letters_and_retries_them(world: World) -> None:
    first, second, third = dead_letters(world, 3)
    admin = site_admin(world)
    assert "/admin/outbox" in admin.get("/spaces").text
    page = admin.get("/admin/outbox")
    assert page.status_code == 200
    for message_id in (first, second, third):
        assert message_id in page.text
    assert "status: 503 busy" in page.text
    token = csrf(page.text)
    one = admin.post(
        "/admin/outbox/retry", data={"csrf_token": token, "message": first}
    )
    assert one.status_code == 303 and "requeued=1" in one.headers["location"]
    assert [status_of(world, m) for m in (first, second)] == ["pending", "dead"]
    every = admin.post("/admin/outbox/retry", data={"csrf_token": token})
    assert "requeued=2" in every.headers["location"]
    assert status_of(world, third) == "pending"
    with world.db.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "outbox.retried")
        ).all()
    assert [(e.origin, e.details["count"]) for e in events] == [("ui", 1), ("ui", 2)]
    pending = admin.get("/admin/outbox?status=pending")
    assert first in pending.text and "Retry all dead" not in pending.text


def test_retrying_what_is_not_dead_changes_nothing(world: World) -> None:
    (message,) = dead_letters(world, 1)
    admin = site_admin(world)
    token = csrf(admin.get("/admin/outbox").text)
    response = admin.post(
        "/admin/outbox/retry",
        data={"csrf_token": token, "message": [message, "no-such-message"]},
    )
    assert response.status_code == 404
    assert status_of(world, message) == "dead"


def test_only_site_admins_see_the_outbox(world: World) -> None:
    (message,) = dead_letters(world, 1)
    for role in ("admin", "editor", "viewer", "outsider"):
        response = world.browser(role).get("/admin/outbox")
        assert response.status_code == 403, role
        assert "/admin/outbox" not in world.browser(role).get("/spaces").text
    forged = site_admin(world).post("/admin/outbox/retry", data={"message": message})
    assert forged.status_code == 403
    assert status_of(world, message) == "dead"
    stranger = world.site.browser().get("/admin/outbox")
    assert stranger.status_code == 303
