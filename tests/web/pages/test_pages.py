"""The spaces and page views through ASGI: who sees what, byline buttons, refusals."""

from __future__ import annotations

import re

import httpx
import pytest

from web.conftest import Web, csrf

BUTTONS = ("Request approval", "Approve", "Reject", "Withdraw")


def buttons(html: str) -> set[str]:
    found = set(re.findall(r"<button[^>]*>([^<]+)</button>", html))
    return {name for name in BUTTONS if name in found}


def badge(html: str) -> str:
    found = re.search(r'data-testid="status-badge">([^<]+)<', html)
    assert found
    return found.group(1)


def submit(web: Web) -> httpx.Response:
    response = web.post("editor", web.page_url + "/submit")
    assert isinstance(response, httpx.Response)
    return response


@pytest.mark.parametrize(
    "path", ["/spaces", "/spaces/DOCS", "/spaces/DOCS/pages/1", "/spaces/DOCS/new"]
)
def test_a_visitor_without_a_session_is_sent_to_the_login(web: Web, path: str) -> None:
    response = web.browsers["anonymous"].get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fspaces")


def test_the_home_page_is_the_spaces_list(web: Web) -> None:
    response = web.browsers["viewer"].get("/")
    assert response.headers["location"] == "/spaces"


@pytest.mark.parametrize("role", ["admin", "editor", "viewer", "approver"])
def test_members_see_the_space_and_page(web: Web, role: str) -> None:
    browser = web.browsers[role]
    listing = browser.get("/spaces")
    assert listing.status_code == 200
    for name in ("Spaces", "Approval queue", "Change sets"):
        assert f">{name}</a>" in listing.text
    # Only people who administer a space see the audit trail in the navigation.
    assert (">Audit trail</a>" in listing.text) is (role == "admin")
    assert 'href="/spaces/DOCS"' in listing.text
    space = browser.get("/spaces/DOCS")
    assert space.status_code == 200
    assert "Policy" in space.text and "Standard review" in space.text
    page = browser.get(web.page_url)
    assert page.status_code == 200
    assert "<p>First text</p>" in page.text
    assert badge(page.text) == "Draft"
    assert ("New page" in space.text) == (role in ("admin", "editor"))


def test_an_outsider_sees_neither_the_space_nor_its_pages(web: Web) -> None:
    browser = web.browsers["outsider"]
    assert 'href="/spaces/DOCS"' not in browser.get("/spaces").text
    assert browser.get("/spaces/DOCS").status_code == 404
    assert browser.get(web.page_url).status_code == 404
    assert browser.get(web.page_url + "/edit").status_code == 404


def test_buttons_follow_the_review(web: Web) -> None:
    shown = {
        role: buttons(web.browsers[role].get(web.page_url).text)
        for role in web.browsers
        if role not in ("anonymous", "outsider")
    }
    assert shown == {
        "admin": {"Request approval"},
        "editor": {"Request approval"},
        "viewer": set(),
        "approver": set(),
    }
    assert submit(web).status_code == 303
    shown = {
        role: buttons(web.browsers[role].get(web.page_url).text)
        for role in ("admin", "editor", "viewer", "approver")
    }
    assert shown == {
        "admin": {"Withdraw"},
        "editor": {"Withdraw"},
        "viewer": set(),
        "approver": {"Approve", "Reject"},
    }
    assert badge(web.browsers["viewer"].get(web.page_url).text) == "In review"


def test_an_approval_then_an_edit_makes_the_page_stale_with_a_diff(web: Web) -> None:
    submit(web)
    approved = web.post("approver", web.page_url + "/approve", version="1")
    assert isinstance(approved, httpx.Response) and approved.status_code == 303
    assert badge(web.browsers["viewer"].get(web.page_url).text) == "Approved"
    edited = web.post(
        "editor",
        web.page_url + "/edit",
        title="Policy",
        body="<p>Second text</p>",
        version="1",
    )
    assert isinstance(edited, httpx.Response) and edited.status_code == 303
    page = web.browsers["viewer"].get(web.page_url).text
    assert badge(page) == "Stale"
    # The words that changed, marked in the rendered page.
    assert "<p><del>First</del> <ins>Second</ins> text</p>" in page
    source = web.browsers["viewer"].get(web.page_url + "?view=source").text
    assert "<del>&lt;p&gt;First text&lt;/p&gt;</del>" in source
    assert "<ins>&lt;p&gt;Second text&lt;/p&gt;</ins>" in source


def test_a_rejection_needs_a_comment_and_shows_it(web: Web) -> None:
    submit(web)
    empty = web.post("approver", web.page_url + "/reject", version="1", comment="")
    assert isinstance(empty, httpx.Response) and empty.status_code == 400
    assert "A rejection needs a comment" in empty.text
    done = web.post(
        "approver", web.page_url + "/reject", version="1", comment="Too vague"
    )
    assert isinstance(done, httpx.Response) and done.status_code == 303
    page = web.browsers["editor"].get(web.page_url).text
    assert badge(page) == "Rejected"
    assert "Too vague" in page


def test_a_forged_post_without_the_token_is_refused(web: Web) -> None:
    browser = web.browsers["editor"]
    forged = browser.post(web.page_url + "/submit", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    missing = browser.post(web.page_url + "/edit", data={"title": "X"})
    assert missing.status_code == 403
    assert badge(browser.get(web.page_url).text) == "Draft"


def test_refused_actions_are_shown_on_the_page_not_as_errors(web: Web) -> None:
    viewer = web.post("viewer", web.page_url + "/submit")
    assert isinstance(viewer, httpx.Response) and viewer.status_code == 403
    assert 'role="alert"' in viewer.text and "permission to submit" in viewer.text
    self_approval = web.post("editor", web.page_url + "/approve", version="1")
    assert isinstance(self_approval, httpx.Response)
    assert self_approval.status_code == 409
    assert "No approval is pending" in self_approval.text


def test_an_edit_from_an_old_version_is_a_clear_conflict(web: Web) -> None:
    first = web.post(
        "editor", web.page_url + "/edit", title="Policy", body="<p>A</p>", version="1"
    )
    assert isinstance(first, httpx.Response) and first.status_code == 303
    stale = web.post(
        "editor", web.page_url + "/edit", title="Policy", body="<p>B</p>", version="1"
    )
    assert isinstance(stale, httpx.Response) and stale.status_code == 409
    assert "newer version" in stale.text and "&lt;p&gt;B&lt;/p&gt;" in stale.text


def test_viewers_may_not_edit_and_bad_input_is_explained(web: Web) -> None:
    assert web.browsers["viewer"].get(web.page_url + "/edit").status_code == 403
    assert web.browsers["viewer"].get("/spaces/DOCS/new").status_code == 403
    assert web.browsers["outsider"].get("/spaces/DOCS/new").status_code == 404
    assert web.browsers["editor"].get("/spaces/DOCS/new").status_code == 200
    blank = web.post("editor", "/spaces/DOCS/new", title="", body="<p>x</p>")
    assert isinstance(blank, httpx.Response) and blank.status_code == 400
    assert 'role="alert"' in blank.text
    made = web.post("editor", "/spaces/DOCS/new", title="Second", body="<p>x</p>")
    assert isinstance(made, httpx.Response) and made.status_code == 303
    assert "Second" in web.browsers["viewer"].get("/spaces/DOCS").text
    token = csrf(web.browsers["viewer"].get(web.page_url).text)
    refused = web.browsers["viewer"].post(
        "/spaces/DOCS/new", data={"csrf_token": token, "title": "No", "body": ""}
    )
    assert refused.status_code == 403


def test_space_admins_assign_a_workflow_from_the_page_row(web: Web) -> None:
    from factories import make_workflow, step
    from signoff.db.models import Page, Space, User

    with web.db.write() as session:
        space = session.query(Space).filter_by(key="DOCS").one()
        admin = session.query(User).filter_by(username="admin").one()
        other = make_workflow(session, space, admin, [step(admin)], name="Legal")
        other_id = other.id
    url = f"/spaces/DOCS/pages/{web.page_id}/assign-workflow"
    assert ">Assign</button>" in web.browsers["admin"].get("/spaces/DOCS").text
    assert ">Assign</button>" not in web.browsers["editor"].get("/spaces/DOCS").text
    refused = web.post("editor", url, workflow_id=str(other_id))
    assert isinstance(refused, httpx.Response) and refused.status_code == 403
    done = web.post("admin", url, workflow_id=str(other_id))
    assert isinstance(done, httpx.Response) and done.status_code == 303
    with web.db.read() as session:
        page = session.get(Page, web.page_id)
        assert page is not None and page.workflow_id == other_id
    assert "Legal" in web.browsers["viewer"].get("/spaces/DOCS").text
