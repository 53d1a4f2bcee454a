"""Webhooks in the browser, through ASGI: space admins add receivers (the secret
shown once), pause, resume, rotate, remove and read the delivery log."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from factories import AT
from signoff.db.models import AuditEvent, WebhookDelivery, WebhookSubscription
from signoff.outbound.secrets import webhook_secret
from web.conftest import World, csrf

BASE = "/spaces/DOCS/webhooks"
URL = "http://127.0.0.1:8099/hooks"


def post(world: World, role: str, path: str, fields: dict[str, object]) -> object:
    browser = world.browser(role)
    token = csrf(browser.get("/spaces").text)
    return browser.post(path, data={"csrf_token": token, **fields})


def hooks(world: World) -> list[WebhookSubscription]:
    with world.db.read() as session:
        rows = list(session.scalars(select(WebhookSubscription)))
        session.expunge_all()
        return rows


def test_an_admin_adds_a_webhook_and_sees_the_secret_once(allowed: World) -> None:
    response = post(
        allowed, "admin", BASE, {"url": URL, "event": ["approval.approved"]}
    )
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    (hook,) = hooks(allowed)
    secret = webhook_secret(allowed.site.app.state.secret_key, hook.id, hook.salt)
    assert secret in response.text  # type: ignore[attr-defined]
    assert hook.events == ["approval.approved"] and hook.url == URL
    again = allowed.browser("admin").get(BASE)
    assert secret not in again.text and URL in again.text
    assert "never" in again.text
    with allowed.db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "webhook.created")
        ).one()
        assert (event.origin, event.actor_id) == ("ui", allowed.ids["admin"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "http://10.1.2.3/", "event": ["*"]}, "private"),
        ({"url": URL, "event": []}, "Choose at least one event"),
        ({"url": URL, "event": ["*", "approval.approved"]}, "already means"),
        ({"url": "", "event": ["*"]}, "url is required."),
    ],
)
def test_a_refused_webhook_is_explained_and_keeps_the_form(
    allowed: World, fields: dict[str, object], message: str
) -> None:
    response = post(allowed, "admin", BASE, fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    text = unescape(response.text)  # type: ignore[attr-defined]
    assert message in text
    assert f'value="{fields["url"]}"' in text
    assert hooks(allowed) == []


def test_pause_resume_rotate_remove_and_the_log(allowed: World) -> None:
    post(allowed, "admin", BASE, {"url": URL, "event": ["*"]})
    (hook,) = hooks(allowed)
    base = f"{BASE}/{hook.id}"
    assert post(allowed, "admin", base + "/pause", {}).status_code == 303  # type: ignore[attr-defined]
    assert hooks(allowed)[0].is_active is False
    listing = allowed.browser("admin").get(BASE + "?done=paused").text
    assert "Webhook paused" in listing and f"Resume {URL}" in listing
    post(allowed, "admin", base + "/resume", {})
    assert hooks(allowed)[0].is_active is True
    rotated = post(allowed, "admin", base + "/rotate", {})
    new = webhook_secret(
        allowed.site.app.state.secret_key, hook.id, hooks(allowed)[0].salt
    )
    assert new in rotated.text  # type: ignore[attr-defined]
    with allowed.db.write() as session:
        for attempt in (1, 2):
            session.add(
                WebhookDelivery(
                    subscription_id=hook.id,
                    message_id="5f0c9d1e-2b7a-5c43-9a51-0e6f8f1d2c3b",
                    event="approval.approved",
                    attempt=attempt,
                    status_code=503 if attempt == 1 else 204,
                    duration_ms=40,
                    error="status: 503" if attempt == 1 else None,
                    at=AT,
                )
            )
    log = allowed.browser("admin").get(base)
    assert log.status_code == 200
    assert "503" in log.text and "204" in log.text and "40 ms" in log.text
    assert post(allowed, "admin", base + "/remove", {}).status_code == 303  # type: ignore[attr-defined]
    assert hooks(allowed) == []
    assert allowed.browser("admin").get(base).status_code == 404


@pytest.mark.parametrize("role", ["editor", "approver", "viewer"])
def test_members_below_admin_are_refused(allowed: World, role: str) -> None:
    assert allowed.browser(role).get(BASE).status_code == 403
    response = post(allowed, role, BASE, {"url": URL, "event": ["*"]})
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert hooks(allowed) == []


def test_outsiders_and_forged_posts_get_nothing(allowed: World) -> None:
    assert allowed.browser("outsider").get(BASE).status_code == 404
    forged = allowed.browser("admin").post(BASE, data={"url": URL, "event": "*"})
    assert forged.status_code == 403
    assert hooks(allowed) == []


def test_another_spaces_webhook_reads_as_one_that_does_not_exist(
    allowed: World,
) -> None:
    """DOCS's admin asking, under DOCS, for OPS's webhook gets exactly the page a
    missing webhook gets, for the log and for every change, and nothing changes."""
    post(allowed, "outsider", "/spaces/OPS/webhooks", {"url": URL, "event": ["*"]})
    (hidden,) = hooks(allowed)
    browser = allowed.browser("admin")
    token = csrf(browser.get(BASE).text)
    for verb in ("", "/pause", "/resume", "/rotate", "/remove"):
        answers = [
            browser.get(f"{BASE}/{ident}")
            if not verb
            else browser.post(f"{BASE}/{ident}{verb}", data={"csrf_token": token})
            for ident in (hidden.id, 999)
        ]
        assert [a.status_code for a in answers] == [404, 404], verb
        assert answers[0].text == answers[1].text, verb
    (still,) = hooks(allowed)
    assert (still.is_active, still.salt) == (True, hidden.salt)
