"""The byline offers what the actions' checks allow, and nothing they would refuse."""

from __future__ import annotations

import re

import httpx

from factories import make_page, make_space, make_workflow, step
from signoff.db.models import ApprovalRequest, Space, User
from signoff.domain.states import Role
from web.conftest import Web

BUTTONS = ("Request approval", "Approve", "Reject", "Withdraw")
PICKER = '<select id="workflow_id" name="workflow_id"'


def buttons(html: str) -> set[str]:
    found = set(re.findall(r"<button[^>]*>([^<]+)</button>", html))
    return {name for name in BUTTONS if name in found}


def people(web: Web) -> tuple[Space, User, User, User]:
    with web.db.read() as s:
        space = s.query(Space).filter_by(key="DOCS").one()
        admin, editor, approver = (
            s.query(User).filter_by(username=name).one()
            for name in ("admin", "editor", "approver")
        )
        s.expunge_all()
    return space, admin, editor, approver


def test_no_request_approval_where_nobody_could_approve_the_submission(
    web: Web,
) -> None:
    """The editor wrote the page and is its workflow's only approver."""
    with web.db.write() as s:
        space, admin, editor, _ = (s.merge(x) for x in people(web))
        page = make_page(s, space, editor, title="Own review")
        make_workflow(s, space, admin, [step(editor)], name="Self", pages=[page])
        url = f"/spaces/DOCS/pages/{page.id}"
    for role in ("editor", "admin"):
        assert buttons(web.browsers[role].get(url).text) == set()
    refused = web.browsers["editor"].post(
        url + "/submit",
        data={"csrf_token": _csrf(web.browsers["editor"].get(url).text)},
    )
    assert refused.status_code == 409
    assert "No eligible approver for step &#39;Review&#39;" in refused.text


def test_the_picker_lists_only_workflows_a_submission_would_pass(web: Web) -> None:
    with web.db.write() as s:
        _, admin, editor, approver = (s.merge(x) for x in people(web))
        lab = make_space(
            s, "LAB", admin=admin, members={editor: Role.editor, approver: Role.viewer}
        )
        page = make_page(s, lab, editor, title="Experiment")
        make_workflow(s, lab, admin, [step(approver)], name="Light")
        make_workflow(s, lab, admin, [step(editor)], name="Self")
        url = f"/spaces/LAB/pages/{page.id}"
    shown = web.browsers["editor"].get(url).text
    assert PICKER in shown
    assert ">Light</option>" in shown and ">Self</option>" not in shown


def test_withdraw_and_decide_follow_the_actions_checks(web: Web) -> None:
    response = web.post("editor", web.page_url + "/submit")
    assert isinstance(response, httpx.Response) and response.status_code == 303
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
    approved = web.post("approver", web.page_url + "/approve", version="1")
    assert isinstance(approved, httpx.Response) and approved.status_code == 303
    assert buttons(web.browsers["approver"].get(web.page_url).text) == set()
    with web.db.read() as s:
        assert s.query(ApprovalRequest).one().status == "approved"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)
