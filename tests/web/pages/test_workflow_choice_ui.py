"""The page view's workflow picker: offered only where submit takes a choice, and a
form that names another workflow for a page with its own is refused on the page."""

from __future__ import annotations

import httpx

from factories import make_page, make_space, make_workflow, step
from signoff.db.models import ApprovalRequest, Space, User
from signoff.domain.states import Role
from web.conftest import Web

PICKER = '<select id="workflow_id" name="workflow_id"'


def quick_review(web: Web) -> int:
    """A second active workflow in DOCS, whose pages have the default 'Standard
    review'."""
    with web.db.write() as s:
        space = s.query(Space).filter_by(key="DOCS").one()
        admin = s.query(User).filter_by(username="admin").one()
        editor = s.query(User).filter_by(username="editor").one()
        return make_workflow(s, space, admin, [step(editor)], name="Quick").id


def test_editor_cannot_override_the_space_default_from_the_form(web: Web) -> None:
    quick = quick_review(web)
    page = web.browsers["editor"].get(web.page_url)
    assert "Request approval" in page.text and PICKER not in page.text
    response = web.post("editor", web.page_url + "/submit", workflow_id=str(quick))
    assert isinstance(response, httpx.Response) and response.status_code == 409
    assert 'role="alert"' in response.text
    assert (
        "Another workflow cannot be chosen for this page: its workflow is "
        "&#39;Standard review&#39;." in response.text
    )
    with web.db.read() as s:
        assert s.query(ApprovalRequest).count() == 0


def test_the_picker_offers_a_choice_only_where_there_is_one(web: Web) -> None:
    with web.db.write() as s:
        admin = s.query(User).filter_by(username="admin").one()
        editor = s.query(User).filter_by(username="editor").one()
        approver = s.query(User).filter_by(username="approver").one()
        lab = make_space(
            s,
            "LAB",
            admin=admin,
            members={editor: Role.editor, approver: Role.viewer},
        )
        page = make_page(s, lab, editor, title="Experiment")
        make_workflow(s, lab, admin, [step(approver)], name="Light")
        heavy = make_workflow(s, lab, admin, [step(approver)], name="Heavy").id
        url = f"/spaces/LAB/pages/{page.id}"
    shown = web.browsers["editor"].get(url).text
    assert PICKER in shown
    assert ">Light</option>" in shown and ">Heavy</option>" in shown
    chosen = web.post("editor", url + "/submit", workflow_id=str(heavy))
    assert isinstance(chosen, httpx.Response) and chosen.status_code == 303
    with web.db.read() as s:
        request = s.query(ApprovalRequest).one()
        assert request.workflow_id == heavy


def test_a_workflow_that_is_not_a_number_is_refused_on_the_page(web: Web) -> None:
    response = web.post("editor", web.page_url + "/submit", workflow_id="quick")
    assert isinstance(response, httpx.Response) and response.status_code == 400
    assert "Choose a workflow." in response.text
