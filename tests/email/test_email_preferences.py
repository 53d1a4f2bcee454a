"""Who wants approval email: each person's switch on the account page, and each
workflow's two switches, through the web form and the REST API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from api.helpers import ok
from api.support import AppClient
from factories import by, later, make_space, make_user
from oauth.support import Clock, Site
from signoff.actions.preferences import do_set_email_preferences
from signoff.actions.sessions import do_sign_in
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.api.v1.responses import WorkflowList, WorkflowOne
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.models import AuditEvent, User, Workflow
from signoff.db.session import Database
from signoff.domain.errors import NotAllowed
from signoff.domain.states import Origin
from web.conftest import World, populate
from web.workflows.test_workflows_pages import BASE, post_form, two_steps

CHECKBOX = re.compile(r'<input type="checkbox" name="email_notifications"[^>]*>')
REQUESTS_LABEL = "Email approvers when they are needed"
STATUS_LABEL = "Email the submitter about decisions"


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """The web UI's `world` (as tests/web/conftest.py builds it), signed in per role,
    here on both backends; the editor has an address on file, the viewer has none."""
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=db_url))
    clock = Clock(later(10))
    app.state.clock = clock
    db: Database = app.state.db
    ids, page_ids = populate(db)
    site = Site(app)
    result = World(site, db, clock, db_url, ids, page_ids)
    with db.write() as session:
        for role, user_id in ids.items():
            user = session.get(User, user_id)
            assert user is not None
            if role == "editor":
                user.email = "editor@example.com"
            result.secrets[role] = do_sign_in(
                session, user, **by(None, now=clock())
            ).secret
    try:
        yield result
    finally:
        site.close()


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def wants_email(world: World, role: str) -> bool:
    with world.db.read() as session:
        user = session.get(User, world.ids[role])
        assert user is not None
        return user.email_notifications


def preference_events(world: World) -> list[AuditEvent]:
    with world.db.read() as session:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "user.preferences_changed")
                .order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
        return rows


def test_the_account_page_shows_the_address_and_the_switch(world: World) -> None:
    page = world.browser("editor").get("/account")
    assert page.status_code == 200
    assert "Email notifications" in page.text
    assert "editor@example.com" in page.text
    (box,) = CHECKBOX.findall(page.text)
    assert "checked" in box
    assert "Email me about approvals" in page.text
    assert 'action="/account/preferences"' in page.text
    nobody = world.browser("viewer").get("/account")
    assert "No email address on file" in nobody.text


def test_the_switch_saves_is_audited_and_shows(world: World) -> None:
    browser = world.browser("editor")
    token = csrf(browser.get("/account").text)
    off = browser.post("/account/preferences", data={"csrf_token": token})
    assert off.status_code == 303
    assert off.headers["location"] == "/account?saved=preferences"
    assert not wants_email(world, "editor")
    shown = browser.get("/account?saved=preferences").text
    assert "checked" not in CHECKBOX.findall(shown)[0]
    assert "Your email preferences are saved." in shown
    (event,) = preference_events(world)
    assert (event.actor_id, event.origin) == (world.ids["editor"], "ui")
    assert event.details == {"emailNotifications": False}

    data = {"csrf_token": token, "email_notifications": "1"}
    assert browser.post("/account/preferences", data=data).status_code == 303
    assert wants_email(world, "editor")
    browser.post("/account/preferences", data=data)  # unchanged: not audited again
    assert len(preference_events(world)) == 2


def test_a_forged_preferences_post_changes_nothing(world: World) -> None:
    browser = world.browser("editor")
    forged = browser.post("/account/preferences", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert wants_email(world, "editor")
    anonymous = world.site.browser().post("/account/preferences", data={})
    assert anonymous.status_code in (303, 403)
    assert preference_events(world) == []


def test_nobody_sets_someone_elses_preference(world: World) -> None:
    with world.db.write() as session:
        editor = session.get(User, world.ids["editor"])
        admin = session.get(User, world.ids["admin"])
        assert editor is not None and admin is not None
        with pytest.raises(NotAllowed):
            do_set_email_preferences(session, editor, enabled=False, **by(admin))
    assert wants_email(world, "editor")


def test_the_workflow_form_offers_and_saves_both_switches(world: World) -> None:
    blank = world.browser("admin").get(BASE + "/new").text
    for name, label in (
        ("notify_requests", REQUESTS_LABEL),
        ("notify_status", STATUS_LABEL),
    ):
        assert f'name="{name}" value="1" checked> {label}' in blank
    created = post_form(
        world, "admin", BASE + "/new", two_steps(world, notify_requests="1")
    )
    assert created.status_code == 303
    with world.db.read() as session:
        workflow = session.scalars(
            select(Workflow).order_by(Workflow.id.desc())
        ).first()
        assert workflow is not None
        assert (workflow.notify_requests, workflow.notify_status) == (True, False)
        workflow_id = workflow.id
    form = world.browser("admin").get(f"{BASE}/{workflow_id}/edit").text
    assert f'name="notify_requests" value="1" checked> {REQUESTS_LABEL}' in form
    assert f'name="notify_status" value="1"> {STATUS_LABEL}' in form

    edited = post_form(
        world,
        "admin",
        f"{BASE}/{workflow_id}/edit",
        two_steps(world, notify_status="1"),
    )
    assert edited.status_code == 303
    with world.db.read() as session:
        workflow = session.get(Workflow, workflow_id)
        assert workflow is not None
        assert (workflow.notify_requests, workflow.notify_status) == (False, True)
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "workflow.updated")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        # The form always posts its steps, so those count as changed too.
        assert {"notify_requests", "notify_status"} <= set(event.details["changed"])


@dataclass
class Admin:
    api: AppClient
    token: str
    space_id: int
    account_id: str


@pytest.fixture
def admin(db_url: str, tmp_path: Path) -> Iterator[Admin]:
    client = AppClient(create_app(Settings(data_dir=tmp_path, database_url=db_url)))
    db: Database = client.app.state.db
    with db.write() as session:
        alice = make_user(session, "alice", site_admin=True)
        space = make_space(session, admin=alice)
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        _, token = do_create_token(
            session, alice, scopes=sorted(ALL_SCOPES), **by(alice)
        )
        space_id, account_id = space.id, alice.account_id
    try:
        yield Admin(client, token, space_id, account_id)
    finally:
        client.close()


def test_the_api_reads_and_writes_the_switches(admin: Admin) -> None:
    created = admin.api.post(
        "/api/v1/workflows",
        token=admin.token,
        json={
            "spaceId": str(admin.space_id),
            "name": "Quiet review",
            "steps": [
                {"name": "Review", "approvers": [admin.account_id], "rule": "any"}
            ],
            "notifyRequests": False,
        },
    )
    workflow = ok(WorkflowOne, created)["workflow"]
    assert (workflow["notifyRequests"], workflow["notifyStatus"]) == (False, True)

    updated = admin.api.post(
        "/api/v1/workflows/update",
        token=admin.token,
        json={"workflowId": workflow["id"], "notifyStatus": False},
    )
    workflow = ok(WorkflowOne, updated)["workflow"]
    assert (workflow["notifyRequests"], workflow["notifyStatus"]) == (False, False)
    assert workflow["revision"] == 2

    listed = admin.api.get(
        "/api/v1/workflows",
        token=admin.token,
        params={"spaceId": str(admin.space_id)},
    )
    (only,) = ok(WorkflowList, listed)["workflows"]
    assert (only["notifyRequests"], only["notifyStatus"]) == (False, False)
