"""`signoff confluence import-approvals`: product 004's approval property on each
governed page becomes a review in Signoff's history, read from the stand-in site."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cli.support import json_out, row_counts
from factories import by, make_user, make_workflow, step
from signoff.actions.approvals import do_submit_page
from signoff.actions.spaces import do_add_member
from signoff.db.models import ApprovalRequest, AuditEvent, Decision, Page, Space, User
from signoff.db.session import Database
from signoff.domain.states import Role
from signoff.queries.status import page_status

from .conftest import Cli

KEY = "njyzjq_capable_approval"
CREATED, COMPLETED = 1752575594000, 1752579194000


class Scene:
    """The linked stand-in with two mapped approvers, alice and bob."""

    def __init__(self, db: Database, cli: Cli) -> None:
        self.db, self.cli, self.site = db, cli, cli.remote.site
        cli.link()
        self.alice = self.site.add_user("Alice Approver")
        self.bob = self.site.add_user("Bob Reviewer")
        with db.write() as s:
            make_user(s, "alice")
            make_user(s, "bob")
        for account, user in ((self.alice, "alice"), (self.bob, "bob")):
            mapped = cli(
                "user", "map", "--site", "acme", "--account-id", account.account_id,
                "--user", user,
            )  # fmt: skip
            assert mapped.exit_code == 0, mapped.output

    def value(self, **changes: Any) -> dict[str, Any]:
        """An approved value in product 004's shape, with `changes` applied."""
        value: dict[str, Any] = {
            "pending": [],
            "approved": [self.alice.account_id],
            "rejected": [],
            "commented": [],
            "status": 1,
            "isComplete": "true",
            "completedAt": COMPLETED,
            "createdAt": CREATED,
            "createdBy": self.bob.account_id,
            "latestVersionBy": self.bob.account_id,
            "minimumApprovers": 1,
            "minimumRejections": 1,
        }
        value.update(changes)
        return value

    def page(self, title: str, value: object | None) -> str:
        page = self.site.add_page(self.cli.remote.docs, title, f"<p>{title}</p>")
        if value is not None:
            self.site.set_property(page, KEY, value)
        return str(page.id)

    def sync(self) -> None:
        result = self.cli("sync")
        assert result.exit_code == 0, result.output

    def run(self, *extra: str) -> dict[str, Any]:
        result = self.cli(
            "import-approvals", "--site", "acme", "--space", "DOCS", "--json", *extra
        )
        assert result.exit_code == 0, result.output
        return json_out(result)

    def reviews(self, confluence_id: str) -> list[ApprovalRequest]:
        with self.db.read() as s:
            page = s.scalar(select(Page).where(Page.external_id == confluence_id))
            assert page is not None
            found = s.scalars(
                select(ApprovalRequest).where(ApprovalRequest.page_id == page.id)
            ).all()
            s.expunge_all()
            return list(found)


@pytest.fixture
def scene(db: Database, cli: Cli) -> Scene:
    return Scene(db, cli)


def _row(report: dict[str, Any], page_id: str) -> dict[str, Any]:
    return next(row for row in report["pages"] if row["pageId"] == page_id)


def test_an_approved_property_becomes_the_pages_standing_approval(
    db: Database, scene: Scene
) -> None:
    page_id = scene.page("Runbook", scene.value())
    scene.sync()

    report = scene.run()

    assert _row(report, page_id) == {
        "pageId": page_id,
        "title": "Runbook",
        "status": "approved",
        "imported": True,
    }
    with db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == page_id))
        assert page is not None
        status = page_status(s, page)
        request = status.request
        assert request is not None
        assert (status.approval_status, status.approved_at_version) == ("approved", 1)
        assert page.approved_request_id == request.id
        decisions = s.scalars(select(Decision)).all()
        assert [(d.kind, d.client_id) for d in decisions] == [
            ("approve", f"import:{KEY}")
        ]
        assert decisions[0].created_at.timestamp() * 1000 == COMPLETED
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "approval.imported")
        ).all()
    assert {
        (e.origin, e.details["source"], e.details["rawStatus"]) for e in events
    } == {("cli", KEY, 1)}
    assert len(events) == 2  # the review and its one decision


def test_a_rejected_property_is_recorded_as_a_closed_rejected_review(
    scene: Scene,
) -> None:
    value = scene.value(approved=[], rejected=[scene.alice.account_id], status=2)
    page_id = scene.page("Policy", value)
    scene.sync()

    report = scene.run()

    assert _row(report, page_id)["imported"] is True
    [review] = scene.reviews(page_id)
    assert (review.status, review.client_id) == ("rejected", f"import:{KEY}")
    assert review.completed_at is not None
    assert review.completed_at.timestamp() * 1000 == COMPLETED


def test_a_pending_property_opens_a_review_waiting_for_its_pending_approvers(
    db: Database, scene: Scene
) -> None:
    value = scene.value(
        pending=[scene.alice.account_id], approved=[], status=0, isComplete="false"
    )
    page_id = scene.page("Guide", value)
    scene.sync()

    scene.run()

    with db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == page_id))
        assert page is not None
        status = page_status(s, page)
    assert status.approval_status == "pending"
    assert status.request is not None
    [step] = status.request.steps
    assert [person.display_name for person in step.approvers] == ["Alice"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "approved"}, "status is the string 'approved'"),
        ({"isComplete": True}, "isComplete is the boolean true"),
        ({"status": 9}, "status 9 is not one of 0-5"),
        ({"pending": None}, "pending is not a list of account ids"),
    ],
)
def test_a_malformed_property_imports_nothing_and_says_why(
    scene: Scene, changes: dict[str, Any], reason: str
) -> None:
    page_id = scene.page("Broken", scene.value(**changes))
    scene.sync()

    row = _row(scene.run(), page_id)

    assert (row["status"], row["imported"]) == ("invalid", False)
    assert reason in row["reason"]
    assert scene.reviews(page_id) == []


def test_a_property_missing_a_field_imports_nothing_and_names_the_field(
    scene: Scene,
) -> None:
    value = scene.value()
    del value["pending"]
    page_id = scene.page("Missing", value)
    scene.sync()

    row = _row(scene.run(), page_id)

    assert row["reason"] == f"{KEY} is malformed: the field 'pending' is missing."
    assert scene.reviews(page_id) == []


def test_a_property_that_is_not_an_object_imports_nothing(scene: Scene) -> None:
    page_id = scene.page("Listy", ["approved"])
    scene.sync()

    row = _row(scene.run(), page_id)

    assert "not an object" in row["reason"]
    assert scene.reviews(page_id) == []


def test_an_account_mapped_to_nobody_skips_the_page_and_names_the_account(
    scene: Scene,
) -> None:
    stranger = scene.site.add_user("Stranger")
    page_id = scene.page("Odd", scene.value(approved=[stranger.account_id]))
    scene.sync()

    row = _row(scene.run(), page_id)

    assert row["imported"] is False
    assert stranger.account_id in row["reason"]
    assert "map to no Signoff user" in row["reason"]
    assert scene.reviews(page_id) == []


def test_a_page_without_the_property_is_skipped(scene: Scene) -> None:
    page_id = scene.page("Plain", None)
    scene.sync()

    row = _row(scene.run(), page_id)

    assert row == {
        "pageId": page_id,
        "title": "Plain",
        "status": "none",
        "imported": False,
        "reason": "no product 004 approval",
    }


def test_a_dry_run_says_what_would_be_imported_and_writes_nothing(
    db: Database, scene: Scene
) -> None:
    page_id = scene.page("Runbook", scene.value())
    scene.sync()
    before = row_counts(db)

    report = scene.run("--dry-run")

    assert _row(report, page_id)["imported"] is True
    assert (report["imported"], report["dryRun"]) == (1, True)
    assert row_counts(db) == before


def test_a_second_run_imports_nothing_twice(scene: Scene) -> None:
    page_id = scene.page("Runbook", scene.value())
    scene.sync()
    scene.run()

    again = scene.run()

    assert _row(again, page_id) == {
        "pageId": page_id,
        "title": "Runbook",
        "status": "approved",
        "imported": False,
        "reason": "already imported at version 1",
    }
    assert again["imported"] == 0
    assert len(scene.reviews(page_id)) == 1


def test_the_import_never_writes_product_004s_property(scene: Scene) -> None:
    page_id = scene.page("Runbook", scene.value())
    scene.sync()
    written = scene.site.property_by_key(page_id, KEY)
    assert written is not None
    version = written.version

    scene.run()
    scene.sync()  # and the writes back the import set going

    after = scene.site.property_by_key(page_id, KEY)
    assert after is not None
    assert (after.version, after.value) == (version, scene.value())
    writes = [
        r
        for r in scene.site.log.records()
        if r.method != "GET" and f"/properties/{written.id}" in r.path
    ]
    assert writes == []
    signoff = scene.site.property_by_key(page_id, "signoff-approval")
    assert signoff is not None
    assert isinstance(signoff.value, dict)
    assert signoff.value["status"] == 1


def test_the_table_names_each_page_and_the_counts(scene: Scene) -> None:
    scene.page("Runbook", scene.value())
    scene.sync()

    result = scene.cli("import-approvals", "--site", "acme", "--space", "DOCS")

    assert result.exit_code == 0, result.output
    assert "Runbook" in result.stdout
    assert "Imported 1 page(s); skipped 1." in result.stdout


def test_an_unlinked_space_is_refused(scene: Scene) -> None:
    result = scene.cli(
        "import-approvals", "--site", "acme", "--space", "NOPE", "--json"
    )

    assert result.exit_code != 0
    assert "not linked" in result.output


@pytest.mark.parametrize(
    ("raw", "name"), [(3, "cancelled"), (4, "superseded"), (5, "expired")]
)
def test_a_closed_property_that_was_not_decided_is_recorded_with_its_status(
    db: Database, scene: Scene, raw: int, name: str
) -> None:
    page_id = scene.page("Ended", scene.value(status=raw))
    scene.sync()

    row = _row(scene.run(), page_id)

    assert (row["status"], row["imported"]) == (name, True)
    [review] = scene.reviews(page_id)
    assert (review.status, review.client_id) == (name, f"import:{KEY}")
    assert review.completed_at is not None
    assert review.completed_at.timestamp() * 1000 == COMPLETED
    with db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == page_id))
        assert page is not None
        status = page_status(s, page)
        assert (page.approved_request_id, page.approved_version) == (None, None)
    assert status.approval_status == name
    assert status.approved_at_version is None


def _signoff_review(db: Database, page_id: str, **options: Any) -> None:
    """bob submits the page in Signoff, to alice, by a workflow of the space."""
    with db.write() as s:
        page = s.scalar(select(Page).where(Page.external_id == page_id))
        assert page is not None
        space = s.get_one(Space, page.space_id)
        admin = make_user(s, "root", site_admin=True)
        alice = s.scalar(select(User).where(User.username == "alice"))
        bob = s.scalar(select(User).where(User.username == "bob"))
        assert alice is not None
        assert bob is not None
        do_add_member(s, space, bob, Role.editor, **by(admin))
        do_add_member(s, space, alice, Role.editor, **by(admin))
        make_workflow(s, space, admin, [step(alice)], pages=[page], **options)
        do_submit_page(s, page, **by(bob))


def test_a_page_whose_version_has_a_review_made_in_signoff_is_skipped(
    db: Database, scene: Scene
) -> None:
    page_id = scene.page("Runbook", scene.value())
    scene.sync()
    _signoff_review(db, page_id)

    row = _row(scene.run(), page_id)

    assert (row["imported"], row["reason"]) == (
        False,
        "Signoff already has a review of version 1",
    )
    [review] = scene.reviews(page_id)
    assert review.client_id != f"import:{KEY}"


def test_a_page_with_a_review_pending_in_signoff_is_skipped(
    db: Database, scene: Scene
) -> None:
    page_id = scene.page("Runbook", scene.value())
    scene.sync()
    _signoff_review(db, page_id, expire_on_edit=False)
    scene.site.edit_page(page_id, body="<p>Runbook, again</p>")
    scene.sync()

    row = _row(scene.run(), page_id)

    assert (row["imported"], row["reason"]) == (
        False,
        "a review is pending in Signoff",
    )
    [review] = scene.reviews(page_id)
    assert (review.status, review.page_version) == ("pending", 1)


def test_a_site_that_fails_on_one_page_skips_it_and_imports_the_others(
    scene: Scene,
) -> None:
    failing = scene.page("Flaky", scene.value())
    other = scene.page("Runbook", scene.value())
    scene.sync()
    scene.site.faults.unavailable(5, retry_after=0, path=f"/pages/{failing}/properties")

    report = scene.run()

    row = _row(report, failing)
    assert (row["imported"], row["status"]) == (False, "unreadable")
    assert row["reason"].startswith("the site did not answer:")
    assert "503" in row["reason"]
    assert scene.reviews(failing) == []
    assert _row(report, other)["imported"] is True


def test_a_long_rate_limit_skips_the_remaining_pages_with_the_reason(
    scene: Scene,
) -> None:
    limited = scene.page("Limited", scene.value())
    later = scene.page("Later", scene.value())
    scene.sync()
    scene.site.faults.rate_limit(1, retry_after=3600, path="/properties")

    report = scene.run()

    for page_id in (limited, later):
        row = _row(report, page_id)
        assert (row["imported"], row["status"]) == (False, "unreadable")
        assert "the site asked to wait until" in row["reason"]
        assert row["reason"].endswith("; run the import again after that")
        assert scene.reviews(page_id) == []


def test_a_page_hidden_from_signoff_is_skipped_as_not_visible(
    scene: Scene,
) -> None:
    hidden = scene.page("Secret", scene.value())
    other = scene.page("Runbook", scene.value())
    scene.sync()
    scene.site.restrict_page(hidden, hidden_from=scene.cli.remote.bot)

    report = scene.run()

    row = _row(report, hidden)
    assert (row["imported"], row["status"]) == (False, "unreadable")
    assert "not visible" in row["reason"]
    assert _row(report, other)["imported"] is True


def test_a_pending_property_whose_approvals_meet_its_quorum_is_imported_approved(
    db: Database, scene: Scene
) -> None:
    value = scene.value(
        pending=[scene.bob.account_id],
        approved=[scene.alice.account_id],
        status=0,
        isComplete="false",
        minimumApprovers=1,
    )
    del value["completedAt"]
    page_id = scene.page("Ready", value)
    scene.sync()

    row = _row(scene.run(), page_id)

    assert (row["status"], row["imported"]) == ("pending", True)
    [review] = scene.reviews(page_id)
    assert review.status == "approved"
    with db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == page_id))
        assert page is not None
        status = page_status(s, page)
        assert page.approved_request_id == review.id
        [event] = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "approval.imported",
                AuditEvent.details["decision"].as_string().is_(None),
            )
        ).all()
    assert (status.approval_status, status.approved_at_version) == ("approved", 1)
    assert (event.details["status"], event.details["recordedStatus"]) == (
        "pending",
        "approved",
    )


def test_a_pending_property_whose_rejections_reach_the_minimum_is_imported_rejected(
    scene: Scene,
) -> None:
    value = scene.value(
        pending=[scene.bob.account_id],
        approved=[],
        rejected=[scene.alice.account_id],
        status=0,
        isComplete="false",
        minimumApprovers=1,
    )
    page_id = scene.page("Refused", value)
    scene.sync()

    row = _row(scene.run(), page_id)

    assert row["imported"] is True
    [review] = scene.reviews(page_id)
    assert review.status == "rejected"
