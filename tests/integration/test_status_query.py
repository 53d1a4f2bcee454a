"""The page status read model, built through the real actions on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from factories import (
    by,
    edit,
    later,
    make_group,
    make_page,
    make_space,
    make_user,
    make_workflow,
    step,
)
from signoff.actions.approvals import do_record_decision, do_submit_page
from signoff.api.v1.responses import plain
from signoff.api.v1.shapes.pages import page_status_out
from signoff.db.models import Page, Space, User
from signoff.db.session import Database
from signoff.domain.states import ApprovalStatus, DecisionKind, Origin, Role, StaleOn
from signoff.queries.status import page_status

APPROVE, REJECT = DecisionKind.approve, DecisionKind.reject


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """alice admin; bob edits and submits; carol approves; erin and frank are legal."""
    with db.write() as s:
        alice, bob, carol = (
            make_user(s, "alice"),
            make_user(s, "bob"),
            make_user(s, "carol"),
        )
        erin, frank = make_user(s, "erin"), make_user(s, "frank")
        legal = make_group(s, "legal", [frank, erin])
        space = make_space(
            s,
            admin=alice,
            members={
                bob: Role.editor,
                carol: Role.viewer,
                erin: Role.viewer,
                frank: Role.viewer,
            },
        )
        page = make_page(s, space, bob)
        return {
            "alice": alice.id,
            "bob": bob.id,
            "carol": carol.id,
            "erin": erin.id,
            "frank": frank.id,
            "legal": legal.id,
            "space": space.id,
            "page": page.id,
        }


def people(s: Session, ids: dict[str, int]) -> dict[str, User]:
    names = ("alice", "bob", "carol", "erin", "frank")
    return {name: s.get(User, ids[name]) for name in names}  # type: ignore[misc]


def status_json(db: Database, page_id: int) -> dict[str, Any]:
    with db.read() as s:
        page = s.get(Page, page_id)
        assert page is not None
        return plain(page_status_out(page_status(s, page)), exclude={"success"})


def review(
    s: Session, ids: dict[str, int], **options: Any
) -> tuple[Page, dict[str, User]]:
    """A one-step review by carol of the page, submitted by bob."""
    u = people(s, ids)
    page, space = s.get(Page, ids["page"]), s.get(Space, ids["space"])
    assert page is not None and space is not None
    make_workflow(s, space, u["alice"], [step(u["carol"])], pages=[page], **options)
    do_submit_page(s, page, **by(u["bob"], now=later(10)))
    return page, u


def test_page_never_submitted_reports_none_and_no_request(
    db: Database, ids: dict[str, int]
) -> None:
    assert status_json(db, ids["page"]) == {
        "pageId": str(ids["page"]),
        "title": "Policy",
        "currentPageVersion": 1,
        "approvalStatus": "none",
        "approvedAtVersion": None,
        "isStale": False,
        "versionDelta": 0,
        "request": None,
        "claim": None,
        "rereviewDueAt": None,
    }


def test_status_json_names_fields_as_the_contract_does(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        u = people(s, ids)
        page, space = s.get(Page, ids["page"]), s.get(Space, ids["space"])
        assert page is not None and space is not None
        from signoff.db.models import Group

        legal = s.get(Group, ids["legal"])
        assert legal is not None
        workflow = make_workflow(
            s,
            space,
            u["alice"],
            [
                step(u["carol"], groups=[legal], name="Legal"),
                step(u["alice"], name="Owner"),
            ],
            pages=[page],
        )
        request = do_submit_page(s, page, **by(u["bob"], Origin.api, now=later(10)))
        do_record_decision(
            s,
            page,
            APPROVE,
            version=1,
            comment="Looks right",
            **by(u["carol"], now=later(20)),
        )
        request_id, workflow_id = request.id, workflow.id
        accounts = {name: user.account_id for name, user in u.items()}

    body = status_json(db, ids["page"])

    assert body["approvalStatus"] == "pending"
    assert (body["approvedAtVersion"], body["isStale"], body["versionDelta"]) == (
        None,
        False,
        0,
    )
    request_json = body["request"]
    assert set(request_json) == {
        "id",
        "version",
        "status",
        "workflowId",
        "submittedBy",
        "origin",
        "createdAt",
        "steps",
        "override",  # an extension: null unless a space admin overrode the review
    }
    assert request_json["override"] is None
    assert request_json["id"] == str(request_id)
    assert request_json["workflowId"] == str(workflow_id)
    assert request_json["submittedBy"] == accounts["bob"]
    assert (
        request_json["version"],
        request_json["status"],
        request_json["origin"],
    ) == (1, "pending", "api")
    assert request_json["createdAt"] == "2026-01-05T09:10:00Z"
    legal_step, owner_step = request_json["steps"]
    assert set(legal_step) == {
        "name",
        "rule",
        "quorum",
        "status",
        "approvers",
        "groups",
        "decisions",
    }
    assert (legal_step["name"], legal_step["rule"], legal_step["quorum"]) == (
        "Legal",
        "all",
        None,
    )
    assert (legal_step["status"], owner_step["status"]) == ("active", "waiting")
    assert legal_step["approvers"] == [
        {"accountId": accounts["carol"], "displayName": "Carol"},
        {"accountId": accounts["erin"], "displayName": "Erin"},
        {"accountId": accounts["frank"], "displayName": "Frank"},
    ]
    assert legal_step["groups"] == [{"id": str(ids["legal"]), "name": "legal"}]
    assert legal_step["decisions"] == [
        {
            "accountId": accounts["carol"],
            "decision": "approve",
            "comment": "Looks right",
            "version": 1,
            "at": "2026-01-05T09:20:00Z",
            "origin": "ui",
            "onBehalfOf": None,
        }
    ]
    assert owner_step["approvers"] == [
        {"accountId": accounts["alice"], "displayName": "Alice"}
    ]
    assert owner_step["decisions"] == []


def test_rejected_review_shows_the_comment_and_the_status(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page, u = review(s, ids)
        do_record_decision(
            s,
            page,
            REJECT,
            version=1,
            comment="Wrong figures",
            **by(u["carol"], now=later(30)),
        )

    body = status_json(db, ids["page"])

    assert body["approvalStatus"] == "rejected"
    assert body["request"]["steps"][0]["status"] == "rejected"
    assert body["request"]["steps"][0]["decisions"][0]["comment"] == "Wrong figures"


def test_edit_after_approval_makes_the_page_stale(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page, u = review(s, ids)
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        edit(s, page, u["bob"], "<p>v2</p>", minutes=40)
        edit(s, page, u["bob"], "<p>v3</p>", minutes=50)

    body = status_json(db, ids["page"])

    assert body["approvalStatus"] == "approved"
    assert (body["currentPageVersion"], body["approvedAtVersion"]) == (3, 1)
    assert (body["isStale"], body["versionDelta"]) == (True, 2)
    assert body["request"]["steps"][0]["decisions"][0]["comment"] is None


def test_no_op_save_after_approval_is_not_stale_under_content(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page, u = review(s, ids)
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        edit(s, page, u["bob"], "<p>v1</p>", minutes=40)

    body = status_json(db, ids["page"])

    assert (body["approvalStatus"], body["currentPageVersion"]) == ("approved", 2)
    assert (body["isStale"], body["versionDelta"]) == (False, 1)


def test_no_op_save_after_approval_is_stale_under_version(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page, u = review(s, ids, stale_on=StaleOn.version)
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        edit(s, page, u["bob"], "<p>v1</p>", minutes=40)

    body = status_json(db, ids["page"])

    assert (body["isStale"], body["versionDelta"]) == (True, 1)


def test_resubmission_after_staleness_shows_the_new_request_and_the_old_approval(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        page, u = review(s, ids)
        do_record_decision(s, page, APPROVE, version=1, comment=None, **by(u["carol"]))
        edit(s, page, u["bob"], "<p>v2</p>", minutes=40)
        second = do_submit_page(s, page, **by(u["bob"], now=later(50)))
        second_id = second.id

    body = status_json(db, ids["page"])

    assert body["approvalStatus"] == ApprovalStatus.pending
    assert body["request"]["id"] == str(second_id)
    assert body["request"]["version"] == 2
    assert (body["approvedAtVersion"], body["isStale"]) == (1, True)


def test_status_takes_the_same_statements_however_many_steps_and_decisions(
    db: Database, ids: dict[str, int]
) -> None:
    with db.write() as s:
        u = people(s, ids)
        space = s.get(Space, ids["space"])
        from signoff.db.models import Group

        legal = s.get(Group, ids["legal"])
        assert space is not None and legal is not None
        small = make_page(s, space, u["bob"], title="Small")
        large = make_page(s, space, u["bob"], title="Large")
        make_workflow(
            s,
            space,
            u["alice"],
            [step(u["carol"], groups=[legal])],
            name="Short",
            pages=[small],
        )
        make_workflow(
            s,
            space,
            u["alice"],
            [
                step(u["carol"], u["erin"], groups=[legal], name=f"Step {n}")
                for n in range(4)
            ],
            name="Long",
            pages=[large],
        )
        for page in (small, large):
            do_submit_page(s, page, **by(u["bob"]))
        for approver in ("carol", "erin"):
            do_record_decision(
                s, large, APPROVE, version=1, comment="ok", **by(u[approver])
            )
        small_id, large_id = small.id, large.id

    counts = []
    for page_id in (small_id, large_id):
        with db.read() as s:
            page = s.get(Page, page_id)
            assert page is not None
            with counting(db.engine) as statements:
                page_status(s, page)
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 6
