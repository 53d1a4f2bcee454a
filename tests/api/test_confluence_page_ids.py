"""A page from Confluence is named by its Confluence page id everywhere: in `/api/v1`,
in what clients send and in what they read back, and in the web UI's addresses and
links; its own id in Signoff names nothing from outside. Pages of Signoff's own
store keep their ids."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from factories import (
    by,
    make_confluence_page,
    make_confluence_site,
    make_workflow,
    step,
)
from signoff.actions.sessions import do_sign_in
from signoff.api.v1.responses import (
    AuditPage,
    ChangeSetList,
    ChangeSetOne,
    ChangeSetPreflight,
    ChangeSetSubmitted,
    PageStatus,
    PageSubmitted,
    QueuePage,
)
from signoff.db.models import Page, Space, User
from signoff.web.sessions import SESSION_COOKIE
from web.conftest import csrf

from .helpers import NOW, fix_clock, ok, refused
from .support import AppClient, Team

CONFLUENCE_ID = "2654210049"  # beyond 2**31, as real Confluence page ids are


@dataclass(frozen=True)
class Governed:
    """A Confluence page and a page of Signoff's own, both reviewed by carol."""

    own_id: int
    """The Confluence page's id in Signoff: it must never name the page outside."""
    builtin: str
    bob: str
    carol: str


@pytest.fixture
def governed(team: Team) -> Governed:
    with team.db.write() as s:
        space = s.get_one(Space, team.space_id)
        alice = s.get_one(User, team.users["alice"])
        bob = s.get_one(User, team.users["bob"])
        carol = s.get_one(User, team.users["carol"])
        page = make_confluence_page(
            s, space, bob, make_confluence_site(s), CONFLUENCE_ID
        )
        builtin = s.get_one(Page, team.pages[0])
        make_workflow(s, space, alice, [step(carol)], pages=[page, builtin])
        own_id = page.id
    return Governed(
        own_id, str(team.pages[0]), team.tokens["bob"], team.tokens["carol"]
    )


def status_of(api: AppClient, token: str, page_id: str) -> dict[str, Any]:
    return ok(
        PageStatus,
        api.get("/api/v1/pages/status", token=token, params={"pageId": page_id}),
    )


def test_a_confluence_page_is_submitted_and_approved_by_its_confluence_page_id(
    api: AppClient, governed: Governed
) -> None:
    ok(
        PageSubmitted,
        api.post(
            "/api/v1/pages/submit", token=governed.bob, json={"pageId": CONFLUENCE_ID}
        ),
    )
    pending = status_of(api, governed.bob, CONFLUENCE_ID)
    assert (pending["pageId"], pending["approvalStatus"]) == (CONFLUENCE_ID, "pending")

    approved = ok(
        PageStatus,
        api.post(
            "/api/v1/pages/approve",
            token=governed.carol,
            json={"pageId": int(CONFLUENCE_ID), "version": 1},
        ),
    )
    assert (approved["pageId"], approved["approvalStatus"]) == (
        CONFLUENCE_ID,
        "approved",
    )


def test_the_preflight_of_a_confluence_page_is_asked_by_its_page_id(
    api: AppClient, governed: Governed
) -> None:
    verdict = api.post(
        "/api/v1/pages/preflight", token=governed.bob, json={"pageId": CONFLUENCE_ID}
    )
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["canSubmit"] is True


def test_the_own_id_of_a_confluence_page_answers_as_an_unknown_page(
    api: AppClient, governed: Governed
) -> None:
    own = str(governed.own_id)
    missing = f"Page {own} not found."
    refused(
        api.get("/api/v1/pages/status", token=governed.bob, params={"pageId": own}),
        404,
        missing,
    )
    refused(
        api.post("/api/v1/pages/submit", token=governed.bob, json={"pageId": own}),
        404,
        missing,
    )


def test_a_page_of_signoff_is_still_named_by_its_own_id(
    api: AppClient, governed: Governed
) -> None:
    ok(
        PageSubmitted,
        api.post(
            "/api/v1/pages/submit",
            token=governed.bob,
            json={"pageId": governed.builtin},
        ),
    )
    assert status_of(api, governed.bob, governed.builtin)["pageId"] == governed.builtin


def test_a_change_set_names_its_confluence_pages_by_their_page_id(
    api: AppClient, team: Team, governed: Governed
) -> None:
    refs = [{"pageId": CONFLUENCE_ID}, {"pageId": governed.builtin}]
    shown = [CONFLUENCE_ID, governed.builtin]
    created = ok(
        ChangeSetOne,
        api.post(
            "/api/v1/changeSets",
            token=governed.bob,
            json={"spaceId": str(team.space_id), "title": "Runbooks", "pageRefs": refs},
        ),
    )["changeSet"]
    assert [ref["pageId"] for ref in created["pageRefs"]] == shown
    listed = ok(
        ChangeSetList,
        api.get(
            "/api/v1/changeSets",
            token=governed.bob,
            params={"spaceId": str(team.space_id)},
        ),
    )["changeSets"]
    assert listed[0]["pageRefs"] == refs

    change_set = {"changeSetId": created["id"]}
    preflight = ok(
        ChangeSetPreflight,
        api.post("/api/v1/changeSets/preflight", token=governed.bob, json=change_set),
    )
    assert [(r["pageId"], r["canSubmit"]) for r in preflight["results"]] == [
        (CONFLUENCE_ID, True),
        (governed.builtin, True),
    ]
    submitted = ok(
        ChangeSetSubmitted,
        api.post("/api/v1/changeSets/submit", token=governed.bob, json=change_set),
    )
    assert [(r["pageId"], r["success"]) for r in submitted["results"]] == [
        (CONFLUENCE_ID, True),
        (governed.builtin, True),
    ]
    queue = ok(
        QueuePage,
        api.get("/api/v1/queue", token=governed.carol, params={"assignedTo": "me"}),
    )
    assert sorted(item["pageId"] for item in queue["items"]) == sorted(shown)


def test_a_change_set_refuses_the_own_id_of_a_confluence_page(
    api: AppClient, team: Team, governed: Governed
) -> None:
    refused(
        api.post(
            "/api/v1/changeSets",
            token=governed.bob,
            json={
                "spaceId": str(team.space_id),
                "title": "Runbooks",
                "pageRefs": [{"pageId": str(governed.own_id)}],
            },
        ),
        400,
        f"pageRefs[0]: page {governed.own_id} is not in this space.",
    )


def test_a_workflow_is_assigned_to_a_confluence_page_by_its_page_id(
    api: AppClient, team: Team, governed: Governed
) -> None:
    with team.db.read() as s:
        workflow_id = s.get_one(Page, governed.own_id).workflow_id
    response = api.post(
        "/api/v1/workflows/assign",
        token=team.tokens["alice"],
        json={"workflowId": str(workflow_id), "pageIds": [CONFLUENCE_ID]},
    )
    assert response.status_code == 200, response.text
    refused(
        api.post(
            "/api/v1/workflows/assign",
            token=team.tokens["alice"],
            json={"workflowId": str(workflow_id), "pageIds": [str(governed.own_id)]},
        ),
        400,
        f"pageIds[0]: page {governed.own_id} is not in this workflow's space.",
    )


def test_one_page_id_on_two_confluence_sites_is_refused_rather_than_guessed(
    api: AppClient, team: Team, governed: Governed
) -> None:
    with team.db.write() as s:
        space = s.get_one(Space, team.space_id)
        bob = s.get_one(User, team.users["bob"])
        globex = make_confluence_site(s, "globex")
        make_confluence_page(s, space, bob, globex, CONFLUENCE_ID, title="Globex")
    error = refused(
        api.get(
            "/api/v1/pages/status", token=governed.bob, params={"pageId": CONFLUENCE_ID}
        ),
        400,
    )
    assert error.startswith(f"Page {CONFLUENCE_ID} is a page id on more than one ")
    refused(
        api.post(
            "/api/v1/pages/submit", token=governed.bob, json={"pageId": CONFLUENCE_ID}
        ),
        400,
        error,
    )


@pytest.mark.parametrize(
    ("page_id", "status", "error"),
    [
        ("abc", 400, "pageId: Value error, must be an id: a string of digits."),
        ("26542100.49", 400, "pageId: Value error, must be an id: a string of digits."),
        ("2654210050", 404, "Page 2654210050 not found."),
        ("9223372036854775807", 404, "Page 9223372036854775807 not found."),
        ("9223372036854775808", 404, "Page 9223372036854775808 not found."),
        ("0", 404, "Page 0 not found."),
    ],
)
def test_a_page_id_that_names_no_page_is_refused(
    api: AppClient, governed: Governed, page_id: str, status: int, error: str
) -> None:
    refused(
        api.get("/api/v1/pages/status", token=governed.bob, params={"pageId": page_id}),
        status,
        error,
    )
    refused(
        api.post("/api/v1/pages/submit", token=governed.bob, json={"pageId": page_id}),
        status,
        error,
    )


def audit_of(api: AppClient, team: Team, **params: str) -> list[dict[str, Any]]:
    return ok(
        AuditPage,
        api.get("/api/v1/audit", token=team.tokens["alice"], params=params),
    )["events"]


def test_the_audit_trail_shows_a_confluence_page_by_its_page_id(
    api: AppClient, team: Team, governed: Governed
) -> None:
    api.post("/api/v1/pages/submit", token=governed.bob, json={"pageId": CONFLUENCE_ID})
    events = audit_of(api, team, pageId=CONFLUENCE_ID)
    assert [event["action"] for event in events][:1] == ["approval.submitted"]
    assert {event["pageId"] for event in events} == {int(CONFLUENCE_ID)}
    refused(
        api.get(
            "/api/v1/audit",
            token=team.tokens["alice"],
            params={"pageId": str(governed.own_id)},
        ),
        404,
        f"Page {governed.own_id} not found.",
    )

    export = {"spaceId": str(team.space_id)}
    lines = api.get(
        "/api/v1/audit/export",
        token=team.tokens["alice"],
        params={**export, "format": "jsonl"},
    ).text.splitlines()
    exported = [json.loads(line) for line in lines]
    submitted = [e for e in exported if e["action"] == "approval.submitted"]
    assert [e["pageId"] for e in submitted] == [int(CONFLUENCE_ID)]
    assert submitted[0] == next(e for e in events if e["id"] == submitted[0]["id"])
    rows = csv.DictReader(
        io.StringIO(
            api.get(
                "/api/v1/audit/export",
                token=team.tokens["alice"],
                params={**export, "format": "csv"},
            ).text
        )
    )
    assert [r["pageId"] for r in rows if r["action"] == "approval.submitted"] == [
        CONFLUENCE_ID
    ]


def test_a_page_id_no_json_reader_holds_exactly_is_shown_as_digits_in_the_trail(
    api: AppClient, team: Team, governed: Governed
) -> None:
    beyond = str(2**53 + 1)  # a double rounds it to 2**53
    with team.db.write() as s:
        page = s.get_one(Page, governed.own_id)
        page.external_id = beyond
    api.post("/api/v1/pages/submit", token=governed.bob, json={"pageId": beyond})
    events = audit_of(api, team, pageId=beyond)
    assert {event["pageId"] for event in events} == {beyond}
    line = api.get(
        "/api/v1/audit/export",
        token=team.tokens["alice"],
        params={"spaceId": str(team.space_id), "format": "jsonl"},
    ).text.splitlines()[-1]
    assert f'"pageId": "{beyond}"' in line


def signed_in(api: AppClient, team: Team, name: str) -> dict[str, str]:
    """The headers of `name`'s browser: a web session, at the app's fixed time."""
    fix_clock(api)
    with team.db.write() as s:
        person = s.get_one(User, team.users[name])
        secret = do_sign_in(s, person, **by(None, now=NOW)).secret
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


def test_the_web_ui_shows_and_links_a_confluence_page_by_its_page_id(
    api: AppClient, team: Team, governed: Governed
) -> None:
    bob = signed_in(api, team, "bob")
    url = f"/spaces/DOCS/pages/{CONFLUENCE_ID}"
    page = api.get(url, headers=bob)
    assert page.status_code == 200, page.text
    assert f'action="{url}/submit"' in page.text
    assert f"/pages/{governed.own_id}" not in page.text
    own = api.get(f"/spaces/DOCS/pages/{governed.own_id}", headers=bob)
    assert own.status_code == 404

    submitted = api.post(
        f"{url}/submit",
        headers={**bob, "Content-Type": "application/x-www-form-urlencoded"},
        content=urlencode({"csrf_token": csrf(page.text)}).encode(),
    )
    assert (submitted.status_code, submitted.headers["location"]) == (303, url)
    assert status_of(api, governed.bob, CONFLUENCE_ID)["approvalStatus"] == "pending"
    assert f'href="{url}"' in api.get("/spaces/DOCS", headers=bob).text
    carol = signed_in(api, team, "carol")
    assert f'href="{url}"' in api.get("/queue", headers=carol).text


def test_the_web_ui_change_set_form_picks_a_confluence_page_by_its_page_id(
    api: AppClient, team: Team, governed: Governed
) -> None:
    bob = signed_in(api, team, "bob")
    form = api.get("/changesets/new?space=DOCS", headers=bob)
    assert f'value="{CONFLUENCE_ID}"' in form.text
    created = api.post(
        "/changesets/new?space=DOCS",
        headers={**bob, "Content-Type": "application/x-www-form-urlencoded"},
        content=urlencode(
            {"csrf_token": csrf(form.text), "title": "Runbooks", "page": CONFLUENCE_ID}
        ).encode(),
    )
    assert created.status_code == 303, created.text
    edit = api.get(f"{created.headers['location']}/edit", headers=bob)
    assert f'value="{CONFLUENCE_ID}" checked' in edit.text
    detail = api.get(created.headers["location"], headers=bob)
    assert f'href="/spaces/DOCS/pages/{CONFLUENCE_ID}"' in detail.text
