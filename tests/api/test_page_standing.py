"""A page's standing reads the same on every surface, on both databases.

Each status a page can be in (never submitted, pending, approved, approved but stale,
rejected, withdrawn, superseded, expired) is walked through the REST status,
preflight, the `signoff-approval` property, the byline (badge and buttons), the space
page, the queue, the change-set detail (HTML and JSON) and its rollup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from factories import by, make_change_set, make_workflow, step
from signoff.actions.acting import Acting
from signoff.actions.approvals import (
    do_cancel_request,
    do_record_decision,
    do_reset_approval,
)
from signoff.actions.pages import do_edit_page
from signoff.actions.schedule import do_expire_approval
from signoff.actions.sessions import do_sign_in
from signoff.db.models import ChangeSet, Page, Space, User
from signoff.domain.rollup import rollup_state
from signoff.domain.standing import PageState, Standing
from signoff.domain.states import ApprovalStatus, DecisionKind
from signoff.web.sessions import SESSION_COOKIE

from .helpers import NOW, fix_clock
from .support import AppClient, Team
from .wiki import submit

BUTTONS = ("Request approval", "Approve", "Reject", "Withdraw")
LABELS = {
    PageState.none: "Draft",
    PageState.pending: "In review",
    PageState.approved: "Approved",
    PageState.stale: "Stale",
    PageState.rejected: "Rejected",
    PageState.cancelled: "Draft",
    PageState.superseded: "Superseded",
    PageState.expired: "Expired",
}
ROLLUP_LABELS = {
    "open": "Open",
    "in_review": "In review",
    "all_approved": "All approved",
    "has_rejections": "Has rejections",
    "stale": "Stale",
}
# The web queue's tabs that list a page's latest review in each state, if any.
QUEUE_TABS = {
    PageState.pending: ("pending",),
    PageState.approved: ("approved",),
    PageState.stale: ("stale", "approved"),
    PageState.rejected: ("rejected",),
    PageState.expired: ("expired",),
}


@dataclass
class World:
    api: AppClient
    team: Team
    page_id: int
    change_set_id: int
    cookies: dict[str, str]

    def token(self, name: str) -> str:
        return self.team.tokens[name]

    def html(self, who: str, path: str) -> str:
        response = self.api.get(
            path, headers={"Cookie": f"{SESSION_COOKIE}={self.cookies[who]}"}
        )
        assert response.status_code == 200, response.text
        return response.text

    def json(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        response = self.api.request(method, path, token=self.token("bob"), **options)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def act(self, work: Callable[[Session, Page, dict[str, User]], object]) -> None:
        with self.team.db.write() as s:
            page = s.get_one(Page, self.page_id)
            people = {
                name: s.get_one(User, uid) for name, uid in self.team.users.items()
            }
            work(s, page, people)


@pytest.fixture
def world(api: AppClient, team: Team) -> World:
    """Page 0 under a one-step review by carol (valid for a day), in a change set."""
    fix_clock(api)
    cookies: dict[str, str] = {}
    with team.db.write() as s:
        space = s.get_one(Space, team.space_id)
        people = {name: s.get_one(User, uid) for name, uid in team.users.items()}
        page = s.get_one(Page, team.pages[0])
        make_workflow(
            s,
            space,
            people["alice"],
            [step(people["carol"])],
            pages=[page],
            valid_for_days=1,
        )
        change_set = make_change_set(s, space, people["bob"], [page])
        for name in ("alice", "bob", "carol"):
            cookies[name] = do_sign_in(s, people[name], **by(None, now=NOW)).secret
        change_set_id = change_set.id
    return World(api, team, team.pages[0], change_set_id, cookies)


def edit(world: World, body: str) -> None:
    world.act(
        lambda s, page, people: do_edit_page(
            s, page, body=body, **by(people["bob"], now=NOW)
        )
    )


def approve(world: World, version: int = 1) -> None:
    world.act(
        lambda s, page, people: do_record_decision(
            s,
            page,
            DecisionKind.approve,
            version=version,
            comment=None,
            **by(people["carol"], now=NOW),
        )
    )


def reject(world: World) -> None:
    world.act(
        lambda s, page, people: do_record_decision(
            s,
            page,
            DecisionKind.reject,
            version=1,
            comment="Not yet",
            **by(people["carol"], now=NOW),
        )
    )


def withdraw(world: World) -> None:
    world.act(
        lambda s, page, people: do_cancel_request(s, page, **by(people["bob"], now=NOW))
    )


def expire(world: World) -> None:
    def work(s: Session, page: Page, people: dict[str, User]) -> object:
        assert page.latest_request_id is not None
        return do_expire_approval(
            s, page.latest_request_id, by=Acting.system(NOW + timedelta(2))
        )

    world.act(work)


def to_pending(world: World) -> None:
    submit(world.api, world.team, world.page_id)


def to_approved(world: World) -> None:
    to_pending(world)
    approve(world)


def to_stale(world: World) -> None:
    to_approved(world)
    edit(world, "<p>Changed</p>")


def to_rejected(world: World) -> None:
    to_pending(world)
    reject(world)


def to_cancelled(world: World) -> None:
    to_pending(world)
    withdraw(world)


def to_superseded(world: World) -> None:
    to_pending(world)
    edit(world, "<p>Changed during the review</p>")


def to_expired(world: World) -> None:
    to_approved(world)
    expire(world)


WALKS: dict[PageState, Callable[[World], None]] = {
    PageState.none: lambda world: None,
    PageState.pending: to_pending,
    PageState.approved: to_approved,
    PageState.stale: to_stale,
    PageState.rejected: to_rejected,
    PageState.cancelled: to_cancelled,
    PageState.superseded: to_superseded,
    PageState.expired: to_expired,
}


def state_of(status: str, is_stale: bool) -> PageState:
    return Standing(ApprovalStatus(status), is_stale).state


def _row(html: str, page_id: int) -> str:
    """The lozenge's words in the table row that links to the page."""
    found = re.search(
        rf'/pages/{page_id}">[^<]*</a></td>(?:\s*<td[^>]*>[^<]*</td>)*'
        r'\s*<td[^>]*><span class="lozenge[^"]*">([^<]+)</span>',
        html,
    )
    assert found, f"no row for page {page_id}"
    return found.group(1)


def _badge(html: str) -> str:
    found = re.search(r'data-testid="status-badge">([^<]+)<', html)
    assert found
    return found.group(1)


def _buttons(html: str) -> set[str]:
    found = set(re.findall(r"<button[^>]*>([^<]+)</button>", html))
    return {name for name in BUTTONS if name in found}


@dataclass(frozen=True)
class Reading:
    """What one surface says about the page."""

    rest: PageState
    change_set_json: PageState
    content_property: PageState | None
    badge: str
    space_page: str
    change_set_html: str
    rollup_json: str
    rollup_html: str
    can_submit: bool
    reason: str | None
    editor_buttons: set[str]


def read_everything(world: World) -> Reading:
    page_id = str(world.page_id)
    status = world.json("GET", "/api/v1/pages/status", params={"pageId": page_id})
    preflight = world.json("POST", "/api/v1/pages/preflight", json={"pageId": page_id})
    detail = world.json(
        "GET",
        "/api/v1/changeSets/detail",
        params={"changeSetId": str(world.change_set_id)},
    )["changeSet"]
    (ref,) = detail["pageRefs"]
    prop = world.json("GET", f"/wiki/api/v2/pages/{page_id}/properties")["results"]
    value = prop[0]["value"] if prop else None
    byline = world.html("bob", f"/spaces/DOCS/pages/{page_id}")
    changeset_html = world.html("bob", f"/changesets/{world.change_set_id}")
    rollup_html = re.search(r'aria-label="Rollup">([^<]+)<', changeset_html)
    assert rollup_html
    return Reading(
        rest=state_of(status["approvalStatus"], status["isStale"]),
        change_set_json=state_of(ref["approvalStatus"], ref["isStale"]),
        content_property=(
            state_of(value["statusName"], value["isStale"]) if value else None
        ),
        badge=_badge(byline),
        space_page=_row(world.html("bob", "/spaces/DOCS"), world.page_id),
        change_set_html=_row(changeset_html, world.page_id),
        rollup_json=detail["rollupState"],
        rollup_html=rollup_html.group(1),
        can_submit=preflight["canSubmit"],
        reason=preflight.get("reason"),
        editor_buttons=_buttons(byline),
    )


def expected_reading(state: PageState) -> Reading:
    rollup = rollup_state([_standing(state)]).value
    reasons = {
        PageState.pending: "An approval is already pending",
        PageState.approved: "Already approved at this version",
    }
    label = LABELS[state]
    buttons = {
        PageState.pending: {"Withdraw"},
        PageState.approved: set(),
    }.get(state, {"Request approval"})
    return Reading(
        rest=state,
        change_set_json=state,
        content_property=None if state is PageState.none else state,
        badge=label,
        space_page=label,
        change_set_html=label,
        rollup_json=rollup,
        rollup_html=ROLLUP_LABELS[rollup],
        can_submit=state not in reasons,
        reason=reasons.get(state),
        editor_buttons=buttons,
    )


def _standing(state: PageState) -> Standing:
    if state is PageState.stale:
        return Standing(ApprovalStatus.approved, is_stale=True)
    return Standing(ApprovalStatus(state.value))


def queue_labels(world: World, state: PageState) -> set[str]:
    """The words the web queue shows for the page, in each tab that lists it."""
    return {
        _row(world.html("bob", f"/queue?tab={tab}"), world.page_id)
        for tab in QUEUE_TABS[state]
    }


def queued_statuses(world: World) -> set[tuple[str, str]]:
    """(status, requestId) of the page's reviews the REST queue lists, all statuses."""
    body = world.json(
        "GET",
        "/api/v1/queue",
        params={"spaceId": str(world.team.space_id), "status": "all"},
    )
    return {
        (item["status"], item["requestId"])
        for item in body["items"]
        if item["pageId"] == str(world.page_id)
    }


@pytest.mark.parametrize("state", list(WALKS), ids=[s.value for s in WALKS])
def test_every_surface_reads_the_page_the_same(world: World, state: PageState) -> None:
    WALKS[state](world)
    assert read_everything(world) == expected_reading(state)
    status = world.json(
        "GET", "/api/v1/pages/status", params={"pageId": str(world.page_id)}
    )
    request = status["request"]
    if request is None:
        assert queued_statuses(world) == set()
        return
    assert (request["status"], request["id"]) in queued_statuses(world)
    if state in QUEUE_TABS:
        assert queue_labels(world, state) == {LABELS[state]}


def test_a_page_edited_back_to_its_approved_content_reads_approved_everywhere(
    world: World,
) -> None:
    """Approve v1, edit to v2, submit, withdraw, edit back to v1's exact content."""
    to_approved(world)
    edit(world, "<p>Second text</p>")
    submit(world.api, world.team, world.page_id)
    withdraw(world)
    with world.team.db.read() as s:
        first = s.get_one(Page, world.page_id)
        body = "<p>v1</p>"
        assert first.current_version == 2
    edit(world, body)
    status = world.json(
        "GET", "/api/v1/pages/status", params={"pageId": str(world.page_id)}
    )
    assert (
        status["approvalStatus"],
        status["isStale"],
        status["approvedAtVersion"],
        status["versionDelta"],
    ) == ("approved", False, 1, 2)
    assert status["request"]["status"] == "cancelled"
    assert read_everything(world) == expected_reading(PageState.approved)


def test_a_page_back_on_its_approved_content_can_be_reset_to_draft(
    world: World,
) -> None:
    to_approved(world)
    edit(world, "<p>Second text</p>")
    to_pending(world)
    withdraw(world)
    edit(world, "<p>v1</p>")
    space_page = world.html("alice", "/spaces/DOCS")
    assert f'/pages/{world.page_id}/reset-approval"' in space_page
    world.act(
        lambda s, page, people: do_reset_approval(
            s, page, **by(people["alice"], now=NOW)
        )
    )
    assert read_everything(world) == expected_reading(PageState.none)


def test_the_change_set_reads_a_stale_page_as_stale_not_approved(world: World) -> None:
    to_stale(world)
    with world.team.db.read() as s:
        assert s.get_one(ChangeSet, world.change_set_id).status == "open"
    html = world.html("bob", f"/changesets/{world.change_set_id}")
    assert _row(html, world.page_id) == "Stale"
    assert _badge(world.html("bob", f"/spaces/DOCS/pages/{world.page_id}")) == "Stale"
