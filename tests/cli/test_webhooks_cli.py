"""`signoff webhook`: the operator manages a space's receivers from the console."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from factories import AT, make_space, make_user
from signoff.config import Settings, site_secret
from signoff.db.models import AuditEvent, WebhookDelivery, WebhookSubscription
from signoff.db.session import Database
from signoff.outbound.secrets import webhook_secret

from .support import json_out, signoff

ALLOW = {"SIGNOFF_WEBHOOK_ALLOW": "127.0.0.1:8099"}
URL = "http://127.0.0.1:8099/hooks"


@pytest.fixture
def space(db: Database) -> str:
    with db.write() as session:
        admin = make_user(session, "root")
        return make_space(session, "DOCS", admin=admin).key


def add(db_url: str, tmp_path: Path, *extra: str) -> dict[str, object]:
    result = signoff(
        db_url,
        tmp_path,
        "webhook",
        "add",
        "--space",
        "DOCS",
        "--url",
        URL,
        "--event",
        "approval.approved",
        "--json",
        *extra,
        env=ALLOW,
    )
    assert result.exit_code == 0, result.output
    return json_out(result)


def test_add_prints_the_secret_once_and_records_the_operator(
    db: Database, db_url: str, tmp_path: Path, space: str
) -> None:
    printed = add(db_url, tmp_path)
    with db.read() as session:
        hook = session.scalars(select(WebhookSubscription)).one()
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "webhook.created")
        ).one()
    key = site_secret(Settings(data_dir=tmp_path, database_url=db_url))
    assert printed["secret"] == webhook_secret(key, hook.id, hook.salt)
    assert (event.origin, event.actor_id) == ("cli", None)
    assert "The site operator added a webhook" in event.text


def test_a_blocked_url_or_no_event_is_a_usage_error(
    db: Database, db_url: str, tmp_path: Path, space: str
) -> None:
    blocked = signoff(
        db_url, tmp_path, "webhook", "add", "--space", "DOCS", "--url", URL,
        "--event", "*",
    )  # fmt: skip
    assert blocked.exit_code == 2
    assert "SIGNOFF_WEBHOOK_ALLOW" in blocked.stderr
    no_event = signoff(
        db_url, tmp_path, "webhook", "add", "--space", "DOCS", "--url", URL,
        env=ALLOW,
    )  # fmt: skip
    assert no_event.exit_code == 2
    assert "--event" in no_event.stderr
    unknown = signoff(
        db_url, tmp_path, "webhook", "add", "--space", "NOPE", "--url", URL,
        "--event", "*", env=ALLOW,
    )  # fmt: skip
    assert unknown.exit_code == 2
    with db.read() as session:
        assert session.scalars(select(WebhookSubscription)).all() == []


def test_list_update_rotate_deliveries_and_remove(
    db: Database, db_url: str, tmp_path: Path, space: str
) -> None:
    first = add(db_url, tmp_path)
    hook_id = str(first["webhook"]["id"])  # type: ignore[index]
    listing = signoff(db_url, tmp_path, "webhook", "list", "--space", "DOCS")
    assert listing.exit_code == 0 and "never" in listing.stdout
    listed = signoff(db_url, tmp_path, "webhook", "list", "--space", "DOCS", "--json")
    hooks = json_out(listed)["webhooks"]
    assert [hook["url"] for hook in hooks] == [URL]  # type: ignore[attr-defined]

    paused = signoff(
        db_url, tmp_path, "webhook", "update", hook_id, "--pause", "--event", "*",
        "--json",
    )  # fmt: skip
    assert paused.exit_code == 0, paused.output
    view = json_out(paused)["webhook"]
    assert view["active"] is False and view["events"] == ["*"]  # type: ignore[index]

    rotated = signoff(db_url, tmp_path, "webhook", "rotate", hook_id, "--json")
    assert json_out(rotated)["secret"] != first["secret"]

    with db.write() as session:
        session.add(
            WebhookDelivery(
                subscription_id=int(hook_id),
                message_id="m-1",
                event="approval.approved",
                attempt=1,
                status_code=502,
                duration_ms=12,
                error="status: 502 Bad Gateway",
                at=AT,
            )
        )
    log = signoff(db_url, tmp_path, "webhook", "deliveries", hook_id)
    assert log.exit_code == 0 and "502" in log.stdout and "m-1" in log.stdout

    removed = signoff(db_url, tmp_path, "webhook", "remove", hook_id)
    assert removed.exit_code == 0
    again = signoff(db_url, tmp_path, "webhook", "remove", hook_id)
    assert again.exit_code == 1
    assert f"No webhook {hook_id}." in again.stderr
