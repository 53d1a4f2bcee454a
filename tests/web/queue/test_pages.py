"""The queue and change-set pages through ASGI, signed in as each role."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update

from signoff.actions.acting import Acting
from signoff.actions.schedule import do_expire_approval
from signoff.db.models import (
    ApprovalRequest,
    AuditEvent,
    ChangeSet,
    Page,
    RequestStep,
    Workflow,
)
from signoff.queries.changesets import change_set_detail
from web.conftest import PAGES, SUBMITTED, World, csrf

MEMBERS = ("admin", "editor", "approver", "viewer")


def tab_counts(html: str) -> dict[str, int]:
    found = re.findall(
        r'class="tab[^"]*"[^>]*>([^<]+?) <span class="count">(\d+)', html
    )
    return {label: int(count) for label, count in found}


def page_links(html: str) -> list[str]:
    return re.findall(r'href="(/spaces/DOCS/pages/\d+)"', html)


def next_link(html: str) -> str | None:
    match = re.search(r'class="next" href="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def create_set(world: World, role: str, **fields: object) -> tuple[int, httpx.Response]:
    browser = world.browser(role)
    form = browser.get("/changesets/new?space=DOCS")
    data = {"csrf_token": csrf(form.text), "title": "Release 2", **fields}
    response = browser.post("/changesets/new?space=DOCS", data=data)
    return response.status_code, response


# -- sign-in and membership ------------------------------------------------------


@pytest.mark.parametrize("path", ["/queue", "/changesets", "/changesets/new"])
def test_pages_without_a_session_send_people_to_sign_in(
    world: World, path: str
) -> None:
    response = world.site.browser().get(path)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [path]


@pytest.mark.parametrize("role", MEMBERS)
def test_the_queue_renders_for_every_member(world: World, role: str) -> None:
    response = world.browser(role).get("/queue?tab=pending")
    assert response.status_code == 200
    assert "Approval queue" in response.text
    assert "script" not in response.text.lower()  # no inline (or any) scripts
    counts = tab_counts(response.text)
    assert counts["All pending"] == SUBMITTED - 3
    assert counts["Approved"] == 2
    assert counts["Rejected"] == 1
    assert counts["Stale"] == 1
    assert counts["Waiting for me"] == (SUBMITTED - 3 if role == "approver" else 0)


def test_an_outsider_sees_an_empty_queue_and_no_docs_change_sets(
    world: World,
) -> None:
    with world.db.write() as session:
        from factories import make_change_set
        from signoff.db.models import Page, Space, User

        space = session.get(Space, session.get(Page, world.page_ids[0]).space_id)  # type: ignore[union-attr]
        editor = session.get(User, world.ids["editor"])
        assert space is not None and editor is not None
        cs = make_change_set(session, space, editor, [], title="Secret set")
        cs_id = cs.id
    browser = world.browser("outsider")
    queue = browser.get("/queue?tab=pending")
    assert queue.status_code == 200
    assert set(tab_counts(queue.text).values()) == {0}
    assert page_links(queue.text) == []
    listing = browser.get("/changesets")
    assert listing.status_code == 200
    assert "Secret set" not in listing.text
    assert browser.get(f"/changesets/{cs_id}").status_code == 404
    assert browser.get(f"/changesets/{cs_id}/edit").status_code == 404
    assert browser.get("/changesets/new?space=DOCS").status_code == 404
    forged = browser.post(
        f"/changesets/{cs_id}/archive",
        data={"csrf_token": csrf(browser.get("/changesets/new?space=OPS").text)},
    )
    assert forged.status_code == 404


# -- queue ---------------------------------------------------------------------


def test_waiting_for_me_lists_the_approvers_requests_with_links(world: World) -> None:
    response = world.browser("approver").get("/queue")
    assert response.status_code == 200
    assert 'aria-current="page">Waiting for me' in response.text
    links = page_links(response.text)
    assert len(links) == 24  # 25 per page would show all 24
    assert f"/spaces/DOCS/pages/{world.page_ids[3]}" in links
    assert next_link(response.text) is None


def test_pagination_walks_every_row_once(world: World) -> None:
    browser = world.browser("admin")
    seen: list[str] = []
    url: str | None = "/queue?tab=pending&submitter=editor"
    pages = 0
    while url:
        response = browser.get(url)
        assert response.status_code == 200
        seen += page_links(response.text)
        url = next_link(response.text)
        pages += 1
    assert pages == 1  # 24 fit on one page of 25; add more to cross a page
    assert len(seen) == len(set(seen)) == SUBMITTED - 3


def test_pagination_crosses_pages(world: World) -> None:
    with world.db.write() as session:
        from factories import by, later, make_page
        from signoff.actions.approvals import do_submit_page
        from signoff.db.models import Space, User

        space = session.query(Space).filter_by(key="DOCS").one()
        editor = session.get(User, world.ids["editor"])
        assert editor is not None
        for n in range(10):
            page = make_page(session, space, editor, title=f"Extra {n}")
            do_submit_page(session, page, **by(editor, now=later(4)))
    browser = world.browser("viewer")
    seen: list[str] = []
    url: str | None = "/queue?tab=pending"
    pages = 0
    while url:
        response = browser.get(url)
        assert response.status_code == 200
        seen += page_links(response.text)
        url = next_link(response.text)
        if url:
            assert "cursor=" in url and "tab=pending" in url
        pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == SUBMITTED - 3 + 10


def test_filters_by_submitter_workflow_and_change_set(world: World) -> None:
    browser = world.browser("admin")
    none = browser.get("/queue?tab=pending&submitter=viewer")
    assert none.status_code == 200 and page_links(none.text) == []
    unknown = browser.get("/queue?tab=pending&submitter=nobody")
    assert unknown.status_code == 400
    assert "No user is called" in unknown.text
    bad = browser.get("/queue?tab=pending&workflow=abc")
    assert bad.status_code == 400 and "Choose a workflow" in bad.text
    bad_cursor = browser.get("/queue?tab=pending&cursor=nope")
    assert bad_cursor.status_code == 400 and "cursor" in bad_cursor.text
    with world.db.read() as session:
        workflow_id = session.query(Workflow).one().id
    by_workflow = browser.get(f"/queue?tab=pending&workflow={workflow_id}")
    assert f'<option value="{workflow_id}" selected>' in by_workflow.text
    assert len(page_links(by_workflow.text)) == SUBMITTED - 3
    assert (
        browser.get("/queue?tab=pending&workflow=999999").text.count(
            "/spaces/DOCS/pages/"
        )
        == 0
    )
    # a change set submitted in the UI: only its pages under its filter
    status, created = create_set(
        world, "editor", page=[str(world.page_ids[28]), str(world.page_ids[29])]
    )
    assert status == 303
    set_path = created.headers["location"]
    set_id = set_path.rsplit("/", 1)[1]
    editor = world.browser("editor")
    token = csrf(editor.get(set_path).text)
    submitted = editor.post(f"{set_path}/submit", data={"csrf_token": token})
    assert submitted.status_code == 200
    assert "2 of 2 page(s) sent for approval" in submitted.text
    filtered = browser.get(f"/queue?tab=pending&changeset={set_id}")
    assert sorted(page_links(filtered.text)) == sorted(
        f"/spaces/DOCS/pages/{world.page_ids[i]}" for i in (28, 29)
    )
    assert tab_counts(filtered.text)["All pending"] == SUBMITTED - 3 + 2


def test_stale_and_decided_tabs(world: World) -> None:
    browser = world.browser("viewer")
    stale = browser.get("/queue?tab=stale")
    assert page_links(stale.text) == [f"/spaces/DOCS/pages/{world.page_ids[2]}"]
    assert "Stale" in stale.text
    rejected = browser.get("/queue?tab=rejected")
    assert page_links(rejected.text) == [f"/spaces/DOCS/pages/{world.page_ids[1]}"]
    approved = browser.get("/queue?tab=approved")
    assert len(page_links(approved.text)) == 2


# -- change sets -----------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBERS)
def test_change_set_pages_render_for_members(world: World, role: str) -> None:
    status, created = create_set(
        world,
        "editor",
        page=[str(world.page_ids[27])],
        reference_url="https://git.example.com/pr/7",
        summary="Shared words",
    )
    assert status == 303
    path = created.headers["location"]
    browser = world.browser(role)
    listing = browser.get("/changesets")
    assert listing.status_code == 200
    assert (
        "Release 2" in listing.text and "https://git.example.com/pr/7" in listing.text
    )
    assert "1 page, 0 approved" in listing.text
    detail = browser.get(path)
    assert detail.status_code == 200
    assert "Shared words" in detail.text and "Guide 27" in detail.text
    editing = browser.get(f"{path}/edit")
    can_edit = role != "viewer"
    assert ("Preflight" in listing.text) is can_edit
    assert editing.status_code == (200 if can_edit else 403)
    new = browser.get("/changesets/new?space=DOCS")
    assert new.status_code == (200 if can_edit else 403)


def test_a_viewers_post_is_refused_with_a_message(world: World) -> None:
    _status, created = create_set(world, "editor", page=[str(world.page_ids[27])])
    path = created.headers["location"]
    viewer = world.browser("viewer")
    page = viewer.get("/changesets/new?space=DOCS")
    assert page.status_code == 403
    # the viewer's token comes from the session: read it from a form the viewer sees
    with world.db.read() as session:
        from signoff.db.models import WebSession

        viewer_token = (
            session.query(WebSession)
            .filter_by(user_id=world.ids["viewer"])
            .one()
            .csrf_token
        )
    refused = viewer.post(f"{path}/archive", data={"csrf_token": viewer_token})
    assert refused.status_code == 403
    assert "You need the editor role" in refused.text
    create = viewer.post(
        "/changesets/new?space=DOCS",
        data={"csrf_token": viewer_token, "title": "Mine"},
    )
    assert create.status_code == 403
    with world.db.read() as session:
        denied = session.query(AuditEvent).filter_by(action="auth.denied").count()
    assert denied == 2


def test_forged_posts_are_refused(world: World) -> None:
    _status, created = create_set(world, "editor")
    path = created.headers["location"]
    editor = world.browser("editor")
    for target in (
        f"{path}/archive",
        f"{path}/submit",
        f"{path}/edit",
        "/changesets/new?space=DOCS",
    ):
        forged = editor.post(target, data={"csrf_token": "forged", "title": "X"})
        assert forged.status_code == 403
        missing = editor.post(target, data={"title": "X"})
        assert missing.status_code == 403
    with world.db.read() as session:
        assert session.query(ChangeSet).one().status == "open"


def test_bad_input_re_renders_the_form_with_a_message(world: World) -> None:
    status, response = create_set(
        world,
        "editor",
        reference_url="javascript:alert(1)",
        page=[str(world.page_ids[27])],
    )
    assert status == 400
    text = response.text
    assert "Reference link must be an http or https URL" in text
    assert 'value="javascript:alert(1)"' in text  # the form keeps what was typed
    assert "checked" in text
    status, response = create_set(world, "editor", title="  ")
    assert status == 400
    status, response = create_set(world, "editor", page=["abc"])
    assert status == 400 and "Choose pages" in response.text
    status, response = create_set(world, "editor", page=["999999"])
    assert status == 400 and "not in this space" in response.text
    with world.db.read() as session:
        assert session.query(ChangeSet).count() == 0


def test_edit_preflight_submit_and_archive(world: World) -> None:
    _status, created = create_set(world, "editor", page=[str(world.page_ids[27])])
    path = created.headers["location"]
    editor = world.browser("editor")
    token = csrf(editor.get(path).text)
    edited = editor.post(
        f"{path}/edit",
        data={
            "csrf_token": token,
            "title": "Release 2b",
            "summary": "Now with two pages",
            "reference_url": "https://git.example.com/pr/8",
            "page": [str(world.page_ids[27]), str(world.page_ids[3])],
        },
    )
    assert edited.status_code == 303
    preflight = editor.post(f"{path}/preflight", data={"csrf_token": token})
    assert preflight.status_code == 200
    assert "Preflight results" in preflight.text
    assert "1 of 2 page(s) can be submitted" in preflight.text
    assert "pending" in preflight.text.lower()
    submitted = editor.post(f"{path}/submit", data={"csrf_token": token})
    assert "1 of 2 page(s) sent for approval" in submitted.text
    with world.db.read() as session:
        change_set = session.get(ChangeSet, int(path.rsplit("/", 1)[1]))
        assert change_set is not None
        assert change_set_detail(session, change_set).rollup_state.value == "in_review"
    archived = editor.post(f"{path}/archive", data={"csrf_token": token})
    assert archived.status_code == 200 and "read-only" in archived.text
    shown = editor.get(path)
    assert "Archived: this change set is read-only." in shown.text
    assert "Submit all" not in shown.text
    assert editor.get(f"{path}/edit").status_code == 409
    again = editor.post(f"{path}/submit", data={"csrf_token": token})
    assert again.status_code == 409 and "archived and read-only" in again.text


def test_unknown_change_sets_are_not_found(world: World) -> None:
    browser = world.browser("admin")
    assert browser.get("/changesets/999999").status_code == 404
    assert browser.get("/changesets/new?space=NOPE").status_code == 404
    assert PAGES == 30


def test_overdue_reviews_come_first_with_a_marker(world: World) -> None:
    with world.db.write() as session:
        request_ids = [
            session.get(Page, page_id).latest_request_id  # type: ignore[union-attr]
            for page_id in world.page_ids[5:7]
        ]
        session.execute(
            update(RequestStep)
            .where(RequestStep.request_id.in_(request_ids))
            .values(due_at=world.clock() - timedelta(hours=1))
        )
    page = world.browser("approver").get("/queue")
    assert page.status_code == 200
    text = page.text
    assert "Overdue (2)" in text
    overdue = text[text.index("Overdue (2)") : text.index("<h2>All</h2>")]
    assert "Guide 05" in overdue and "Guide 06" in overdue and "Guide 07" not in overdue
    assert text.count(">Overdue</span>") == 2
    approved = world.browser("approver").get("/queue?tab=approved").text
    assert "Overdue (" not in approved


def test_the_expired_tab_lists_lapsed_approvals(world: World) -> None:
    with world.db.write() as session:
        page = session.get(Page, world.page_ids[0])
        assert page is not None and page.approved_request_id is not None
        request_id = page.approved_request_id
        session.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == request_id)
            .values(expires_at=world.clock() - timedelta(minutes=1))
        )
        assert do_expire_approval(session, request_id, by=Acting.system(world.clock()))
    browser = world.browser("viewer")
    counts = tab_counts(browser.get("/queue").text)
    assert (counts["Expired"], counts["Approved"]) == (1, 1)
    expired = browser.get("/queue?tab=expired").text
    assert page_links(expired) == [f"/spaces/DOCS/pages/{world.page_ids[0]}"]
    assert '<span class="lozenge lozenge-expired">Expired</span>' in expired
    approved = browser.get("/queue?tab=approved").text
    assert f"/spaces/DOCS/pages/{world.page_ids[0]}" not in page_links(approved)
