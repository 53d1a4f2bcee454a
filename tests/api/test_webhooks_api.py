"""`/webhooks`: space admins register receivers (URLs checked against the outbound
policy), pick events, pause, rotate the secret, remove, and read the delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from audit_helpers import last_event_id
from corpora import SSRF_TARGETS_FILE
from factories import make_space, make_user
from signoff.api.v1.webhooks import (
    DeliveryLog,
    EventList,
    WebhookList,
    WebhookOne,
    WebhookWithSecret,
)
from signoff.auth.scopes import ALL_SCOPES
from signoff.db.models import AuditEvent, Space, WebhookDelivery, WebhookSubscription
from signoff.domain.events import WEBHOOK_EVENTS
from signoff.outbound.secrets import webhook_secret

from .helpers import NOW, actions_after, ok, only_a_denial, refused
from .support import AppClient, Team

RECEIVER = "http://127.0.0.1:8099/hooks?token=abc"
CORPUS = SSRF_TARGETS_FILE


@pytest.fixture
def allowed(api: AppClient) -> AppClient:
    """The site allows loopback port 8099, as an operator would for a local receiver."""
    settings = api.app.state.settings
    api.app.state.settings = settings.model_copy(
        update={"webhook_allow": "127.0.0.1:8099"}
    )
    return api


def create(api: AppClient, team: Team, **changes: Any) -> Any:
    return api.post(
        "/api/v1/webhooks",
        token=team.tokens["alice"],
        json={
            "spaceId": str(team.space_id),
            "url": RECEIVER,
            "events": ["approval.approved", "approval.rejected"],
            **changes,
        },
    )


def stored(team: Team) -> list[WebhookSubscription]:
    with team.db.read() as s:
        rows = list(s.scalars(select(WebhookSubscription)))
        s.expunge_all()
        return rows


def test_the_event_catalogue_is_listed(api: AppClient, team: Team) -> None:
    body = ok(EventList, api.get("/api/v1/webhooks/events", token=team.tokens["alice"]))
    assert [e["name"] for e in body["events"]] == list(WEBHOOK_EVENTS)


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(
    allowed: AppClient, team: Team
) -> None:
    body = ok(WebhookWithSecret, create(allowed, team))
    hook = body["webhook"]
    assert hook["url"] == RECEIVER and hook["active"] is True
    assert hook["events"] == ["approval.approved", "approval.rejected"]
    (row,) = stored(team)
    site_key = allowed.app.state.secret_key
    assert body["secret"] == webhook_secret(site_key, row.id, row.salt)
    assert body["secret"].startswith("whsec_")
    # The secret is nowhere in the row: only a salt it is derived from.
    assert body["secret"] not in repr(vars(row)) and row.salt not in body["secret"]
    listing = ok(
        WebhookList,
        allowed.get(
            f"/api/v1/webhooks?spaceId={team.space_id}", token=team.tokens["alice"]
        ),
    )
    assert listing["webhooks"] == [hook]
    assert "secret" not in listing["webhooks"][0]
    with team.db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "webhook.created")
        ).one()
        # The query string may carry the receiver's token: not in the trail.
        assert event.details["url"] == "http://127.0.0.1:8099/hooks"
        assert "token=abc" not in event.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8098/other-port",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://0x7f.1/",
        "http://a@93.184.216.34/",
        "file:///etc/passwd",
        "gopher://93.184.216.34/",
        "not a url",
        "",
    ],
)
def test_urls_outside_the_policy_are_refused(
    allowed: AppClient, team: Team, url: str
) -> None:
    error = refused(create(allowed, team, url=url), 400)
    assert "url" in error.lower()
    assert stored(team) == []


def test_every_ssrf_vector_is_refused_at_registration(
    api: AppClient, team: Team
) -> None:
    vectors = [line for line in CORPUS.read_text().splitlines() if line.strip()]
    assert len(vectors) >= 60
    accepted = [url for url in vectors if create(api, team, url=url).status_code != 400]
    assert accepted == []
    assert stored(team) == []


def test_a_public_address_needs_no_allow_list(api: AppClient, team: Team) -> None:
    hook = ok(WebhookWithSecret, create(api, team, url="https://93.184.216.34/h"))
    assert hook["webhook"]["url"] == "https://93.184.216.34/h"


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (["approval.exploded"], "Unknown event 'approval.exploded'"),
        (["*", "approval.approved"], "* already means every event."),
        ([], "events"),
    ],
)
def test_events_must_be_known(
    allowed: AppClient, team: Team, events: list[str], message: str
) -> None:
    assert message in refused(create(allowed, team, events=events), 400)


def test_members_below_admin_and_tokens_without_the_scope_are_refused(
    allowed: AppClient, team: Team
) -> None:
    hook_id = ok(WebhookWithSecret, create(allowed, team))["webhook"]["id"]
    with only_a_denial(team):
        refused(
            allowed.post(
                "/api/v1/webhooks",
                token=team.tokens["bob"],
                json={
                    "spaceId": str(team.space_id),
                    "url": RECEIVER,
                    "events": ["*"],
                },
            ),
            403,
        )
    for path, body in (
        ("/api/v1/webhooks/update", {"webhookId": hook_id, "active": False}),
        ("/api/v1/webhooks/rotate", {"webhookId": hook_id}),
        ("/api/v1/webhooks/delete", {"webhookId": hook_id}),
    ):
        refused(allowed.post(path, token=team.tokens["bob"], json=body), 403)
    refused(
        allowed.get(
            f"/api/v1/webhooks/deliveries?webhookId={hook_id}",
            token=team.tokens["carol"],
        ),
        403,
    )
    reader = team.token_for("alice", "read:approval")
    refused(allowed.get(f"/api/v1/webhooks?spaceId={team.space_id}", token=reader), 403)
    assert stored(team)[0].is_active


def test_update_pause_rotate_and_delete(allowed: AppClient, team: Team) -> None:
    first = ok(WebhookWithSecret, create(allowed, team))
    hook_id = first["webhook"]["id"]
    alice = team.tokens["alice"]
    paused = ok(
        WebhookOne,
        allowed.post(
            "/api/v1/webhooks/update",
            token=alice,
            json={"webhookId": hook_id, "active": False, "events": ["*"]},
        ),
    )["webhook"]
    assert (paused["active"], paused["events"]) == (False, ["*"])
    refused(
        allowed.post(
            "/api/v1/webhooks/update",
            token=alice,
            json={"webhookId": hook_id, "url": "http://192.168.1.1/"},
        ),
        400,
    )
    assert stored(team)[0].url == RECEIVER
    rotated = ok(
        WebhookWithSecret,
        allowed.post(
            "/api/v1/webhooks/rotate", token=alice, json={"webhookId": hook_id}
        ),
    )
    assert rotated["secret"] != first["secret"]
    (row,) = stored(team)
    site_key = allowed.app.state.secret_key
    assert rotated["secret"] == webhook_secret(site_key, row.id, row.salt)
    ok(
        WebhookOne,
        allowed.post(
            "/api/v1/webhooks/delete", token=alice, json={"webhookId": hook_id}
        ),
    )
    assert stored(team) == []
    refused(
        allowed.get(f"/api/v1/webhooks/deliveries?webhookId={hook_id}", token=alice),
        404,
    )
    with team.db.read() as s:
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("webhook.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert list(actions) == [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]


def test_the_delivery_log_pages_newest_first(allowed: AppClient, team: Team) -> None:
    hook_id = ok(WebhookWithSecret, create(allowed, team))["webhook"]["id"]
    with team.db.write() as s:
        for attempt in range(1, 8):
            s.add(
                WebhookDelivery(
                    subscription_id=int(hook_id),
                    message_id=f"m-{attempt}",
                    event="approval.approved",
                    attempt=attempt,
                    status_code=500 if attempt < 7 else 204,
                    duration_ms=10 * attempt,
                    error="status 500" if attempt < 7 else None,
                    at=NOW,
                )
            )
    url = f"/api/v1/webhooks/deliveries?webhookId={hook_id}&limit=5"
    alice = team.tokens["alice"]
    first = ok(DeliveryLog, allowed.get(url, token=alice))
    assert [d["attempt"] for d in first["deliveries"]] == [7, 6, 5, 4, 3]
    assert first["deliveries"][0]["statusCode"] == 204
    second = ok(
        DeliveryLog, allowed.get(url + f"&cursor={first['nextCursor']}", token=alice)
    )
    assert [d["attempt"] for d in second["deliveries"]] == [2, 1]
    assert second["nextCursor"] is None
    refused(allowed.get(url + "&cursor=bogus", token=alice), 400)
    listing = ok(
        WebhookList,
        allowed.get(f"/api/v1/webhooks?spaceId={team.space_id}", token=alice),
    )
    assert listing["webhooks"][0]["lastDelivery"]["statusCode"] == 204


def test_unknown_webhooks_are_not_found(api: AppClient, team: Team) -> None:
    refused(
        api.post(
            "/api/v1/webhooks/rotate",
            token=team.tokens["alice"],
            json={"webhookId": "999"},
        ),
        404,
        "Webhook 999 not found.",
    )


def test_a_webhook_in_a_space_the_caller_cannot_see_reads_as_one_that_does_not_exist(
    allowed: AppClient, team: Team
) -> None:
    """Another space's webhook must not be told apart from a missing one: the same
    status and the same sentence (naming only the id the caller sent), and no audit
    event for either, so its existence cannot be probed id by id."""
    with team.db.write() as s:
        outsider = make_user(s, "erin")
        make_space(s, "OPS", admin=outsider)
        team.users["erin"] = outsider.id
    erin = team.token_for("erin", *sorted(ALL_SCOPES))
    with team.db.read() as s:
        ops_id = s.scalar(select(Space.id).where(Space.key == "OPS"))
    hidden = ok(
        WebhookWithSecret,
        allowed.post(
            "/api/v1/webhooks",
            token=erin,
            json={"spaceId": str(ops_id), "url": RECEIVER, "events": ["*"]},
        ),
    )["webhook"]["id"]
    bob = team.tokens["bob"]  # an editor of DOCS, no role in OPS
    changes = {"update": {"active": False}, "rotate": {}, "delete": {}}
    with team.db.read() as s:
        before = last_event_id(s)
    for ident in (hidden, "999"):
        expected = f"Webhook {ident} not found."
        for verb, extra in changes.items():
            answer = allowed.post(
                f"/api/v1/webhooks/{verb}",
                token=bob,
                json={"webhookId": ident, **extra},
            )
            refused(answer, 404, expected)
        deliveries = allowed.get(
            f"/api/v1/webhooks/deliveries?webhookId={ident}", token=bob
        )
        refused(deliveries, 404, expected)
    assert actions_after(team, before) == []
    assert [row.id for row in stored(team)] == [int(hidden)]
