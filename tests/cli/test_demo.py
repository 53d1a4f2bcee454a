"""`signoff demo`: demo data through the real actions, once, every page state."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from factories import AT, make_user
from signoff.access import space_role
from signoff.actions.site import API_ENABLED
from signoff.auth.passwords import verify_password
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    ChangeSet,
    Decision,
    Delegation,
    Page,
    SiteSetting,
    Space,
    User,
    Workflow,
)
from signoff.db.session import Database
from signoff.demo import DEMO_LOGINS, DEMO_SPACE, SeedOutcome, seed_demo
from signoff.queries.claims import live_claim

from .support import json_out, row_counts, signoff


def page_states(db: Database) -> dict[str, str]:
    """Each demo page's state as a person reads it on the page's badge."""
    states = {}
    with db.read() as session:
        for page in session.scalars(select(Page)):
            latest = (
                session.get(ApprovalRequest, page.latest_request_id)
                if page.latest_request_id
                else None
            )
            approved = (
                session.get(ApprovalRequest, page.approved_request_id)
                if page.approved_request_id
                else None
            )
            if latest is None:
                states[page.title] = "draft"
            elif approved is not None and approved.page_version < page.current_version:
                states[page.title] = "stale"
            else:
                states[page.title] = latest.status
    return states


def test_demo_seeds_once_and_prints_the_logins(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    first = signoff(db_url, tmp_path, "demo", "--no-serve", "--json")
    assert first.exit_code == 0, first.output
    counts = row_counts(db)

    second = signoff(db_url, tmp_path, "demo", "--no-serve", "--json")

    assert second.exit_code == 0, second.output
    assert json_out(first)["outcome"] == "created"
    assert json_out(second)["outcome"] == "present"
    assert row_counts(db) == counts
    assert json_out(second)["logins"] == [
        {"username": login.username, "password": login.password, "roles": login.roles}
        for login in DEMO_LOGINS
    ]
    assert counts["users"] == 3
    assert counts["audit_events"] > 30


def test_demo_human_output_lists_every_login(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "demo", "--no-serve")

    assert result.exit_code == 0, result.output
    assert "Demo data created in space DEMO." in result.stdout
    for login in DEMO_LOGINS:
        assert login.username in result.stdout
        assert login.password in result.stdout


def test_demo_has_a_page_in_every_state(db: Database) -> None:
    seed_demo(db, now=AT)

    states = page_states(db)

    assert sorted(states.values()) == sorted(
        [
            "draft",
            "pending",
            "approved",
            "approved",  # Incident runbook, by an override
            "rejected",
            "stale",
            "superseded",
            "cancelled",
        ]
    )


def test_demo_logins_work_and_roles_match_the_documentation(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        space = session.scalars(select(Space).where(Space.key == DEMO_SPACE)).one()
        users = {u.username: u for u in session.scalars(select(User))}
        roles = {name: space_role(session, u, space.id) for name, u in users.items()}
    for login in DEMO_LOGINS:
        assert verify_password(users[login.username].password_hash, login.password)
    assert users["alice"].is_site_admin
    assert not users["bob"].is_site_admin
    assert roles == {"alice": "admin", "bob": "editor", "carol": "viewer"}


def test_demo_rejection_has_a_comment_and_the_api_is_on(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        rejection = session.scalars(
            select(Decision).where(Decision.kind == "reject")
        ).one()
        api = session.get(SiteSetting, API_ENABLED)
        workflows = set(session.scalars(select(Workflow.name)))
        unassigned = session.scalars(
            select(Page.title).where(Page.workflow_id.is_(None))
        ).all()
    assert rejection.comment
    assert api is not None and api.value is True
    assert workflows == {"Quick review", "Legal and owner"}
    assert unassigned == []


def test_demo_change_set_bundles_several_pages_with_a_reference_url(
    db: Database,
) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        change_set = session.scalars(select(ChangeSet)).one()
        titles = [
            session.get(Page, ref.page_id).title  # type: ignore[union-attr]
            for ref in change_set.page_refs
        ]
        states = page_states(db)
    assert change_set.reference_url is not None
    assert change_set.reference_url.startswith("https://")
    assert len(titles) >= 3
    assert {states[title] for title in titles} >= {"pending", "approved", "stale"}


def test_demo_has_a_review_claimed_until_after_now(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        page = session.scalars(select(Page).where(Page.title == "Release notes 2.0"))
        claim = live_claim(session, page.one(), AT)
    assert claim is not None
    assert claim.display_name == "Carol Approver"
    assert claim.expires_at > AT


def test_demo_has_carol_delegating_to_alice_next_week(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        delegation = session.scalars(select(Delegation)).one()
        people = (
            session.get_one(User, delegation.user_id).username,
            session.get_one(User, delegation.delegate_id).username,
        )
    assert people == ("carol", "alice")
    assert delegation.starts_at > AT
    assert delegation.revoked_at is None


def test_demo_has_a_review_a_space_admin_overrode(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        page = session.scalars(
            select(Page).where(Page.title == "Incident runbook")
        ).one()
        request = session.get_one(ApprovalRequest, page.latest_request_id)
        overrider = session.get_one(User, request.overridden_by)
        events = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.request_id == request.id)
            )
        )
    assert (request.status, page.approved_request_id) == ("approved", request.id)
    assert overrider.username == "alice"
    assert request.override_reason
    assert events == ["approval.submitted", "approval.overridden"]


def test_demo_happens_before_now(db: Database) -> None:
    seed_demo(db, now=AT)

    with db.read() as session:
        times = list(session.scalars(select(ApprovalRequest.created_at)))
    assert times
    assert all(at < AT for at in times)


def test_demo_leaves_a_database_with_other_data_alone(db: Database) -> None:
    with db.write() as session:
        make_user(session, "zed")
    before = row_counts(db)

    seeded = seed_demo(db, now=AT)

    assert seeded.outcome is SeedOutcome.skipped
    assert row_counts(db) == before
