"""The page view's "Request approval from…" form: offered to editors only where the
space allows ad-hoc approvals on that page, asking through it reaches the queue of
the people asked, refusals show with the form's labels, and the requester changes
the pending ask from the same form, prefilled."""

from __future__ import annotations

from html import unescape

import httpx

from factories import by, make_page, make_space
from signoff.actions.adhoc import do_set_adhoc_mode
from signoff.db.models import ApprovalRequest, Space, User, Workflow
from signoff.domain.adhoc import AdhocMode
from signoff.domain.states import Role
from web.conftest import Web, csrf

ASK = 'data-testid="ask-approval">Request approval from…<'
CHANGE = 'data-testid="ask-approval">Change request<'


def lab(web: Web) -> str:
    """A LAB space with no workflow at all (editor edits, approver and viewer
    read): its page is one the default mode lets editors ask on."""
    with web.db.write() as s:
        admin, editor, approver, viewer = (
            s.query(User).filter_by(username=name).one()
            for name in ("admin", "editor", "approver", "viewer")
        )
        space = make_space(
            s,
            "LAB",
            admin=admin,
            members={
                editor: Role.editor,
                approver: Role.viewer,
                viewer: Role.viewer,
            },
        )
        page = make_page(s, space, editor, title="Experiment")
        return f"/spaces/LAB/pages/{page.id}"


def user_id(web: Web, username: str) -> str:
    with web.db.read() as s:
        return str(s.query(User).filter_by(username=username).one().id)


def post_ask(
    web: Web, role: str, url: str, members: list[str], **fields: str
) -> httpx.Response:
    """POST the form as a browser does: one `member` field per ticked person."""
    browser = web.browsers[role]
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf(browser.get(url).text),
        "notify_requests": "1",
        "notify_status": "1",
        "member": [user_id(web, name) for name in members],
        **fields,
    }
    return browser.post(url + "/request-approval", data=data)


def test_an_editor_is_offered_the_ask_where_no_workflow_governs_the_page(
    web: Web,
) -> None:
    url = lab(web)
    shown = web.browsers["editor"].get(url).text
    assert ASK in shown
    assert 'name="member"' in shown and "Approver (approver)" in unescape(shown)
    assert '<label for="ask-quorum">Approvals needed</label>' in shown
    assert 'type="date" id="ask-last-day" name="last_day"' in shown
    for role in ("viewer", "approver"):
        assert "ask-approval" not in web.browsers[role].get(url).text


def test_the_ask_is_absent_and_refused_where_a_workflow_governs_the_page(
    web: Web,
) -> None:
    """DOCS has a default workflow and allows asking only on ungoverned pages."""
    assert "ask-approval" not in web.browsers["editor"].get(web.page_url).text
    refused = post_ask(web, "editor", web.page_url, ["approver"])
    assert refused.status_code == 403
    assert 'role="alert"' in refused.text
    assert "allows ad-hoc approvals only on pages no workflow governs" in unescape(
        refused.text
    )
    with web.db.read() as s:
        assert s.query(ApprovalRequest).count() == 0


def test_under_any_page_a_governed_page_offers_the_ask(web: Web) -> None:
    with web.db.write() as s:
        space = s.query(Space).filter_by(key="DOCS").one()
        do_set_adhoc_mode(s, space, AdhocMode.any, **by(None))
    assert ASK in web.browsers["editor"].get(web.page_url).text


def test_asking_two_people_puts_the_page_in_their_queue(web: Web) -> None:
    url = lab(web)
    asked = post_ask(
        web,
        "editor",
        url,
        ["approver", "viewer"],
        quorum="1",
        title="Legal check",
        last_day="2026-02-01",
    )
    assert asked.status_code == 303, asked.text
    with web.db.read() as s:
        request = s.query(ApprovalRequest).one()
        workflow = s.get(Workflow, request.workflow_id)
        assert workflow is not None and workflow.name == "Legal check"
        assert request.origin == "ui"
    for role in ("approver", "viewer"):
        queue = web.browsers[role].get("/queue?tab=waiting").text
        assert "Experiment" in queue, role
    page = web.browsers["approver"].get(url).text
    assert ">Approve</button>" in page


def test_a_quorum_larger_than_the_people_asked_is_shown_with_its_label(
    web: Web,
) -> None:
    url = lab(web)
    refused = post_ask(web, "editor", url, ["approver"], quorum="3", title="Kept")
    assert refused.status_code == 400
    assert (
        '<p class="alert alert-error" role="alert">Approvals needed: '
        "The quorum must be 0 (everyone) to 1 (the number of people named).</p>"
    ) in refused.text
    assert "quorumSize" not in refused.text
    # The form is shown again as sent, open.
    assert '<details class="ask-approval" open>' in refused.text
    assert 'name="title" value="Kept"' in refused.text
    with web.db.read() as s:
        assert s.query(ApprovalRequest).count() == 0


def test_a_quorum_that_is_not_a_number_is_refused_with_its_label(web: Web) -> None:
    url = lab(web)
    refused = post_ask(web, "editor", url, ["approver"], quorum="two")
    assert refused.status_code == 400
    assert "Approvals needed: Give a whole number" in refused.text


def test_a_last_day_that_is_not_a_date_is_refused_with_its_label(web: Web) -> None:
    url = lab(web)
    refused = post_ask(web, "editor", url, ["approver"], last_day="next week")
    assert refused.status_code == 400
    assert "Last day: Give a date as YYYY-MM-DD" in refused.text


def test_asking_nobody_is_refused_with_its_label(web: Web) -> None:
    url = lab(web)
    refused = post_ask(web, "editor", url, [])
    assert refused.status_code == 400
    assert "People to ask: Name at least one person to approve." in refused.text


def test_a_viewer_cannot_ask(web: Web) -> None:
    url = lab(web)
    refused = post_ask(web, "viewer", url, ["approver"])
    assert refused.status_code == 403
    assert 'role="alert"' in refused.text
    with web.db.read() as s:
        assert s.query(ApprovalRequest).count() == 0


def test_the_requester_changes_the_pending_ask_from_the_prefilled_form(
    web: Web,
) -> None:
    url = lab(web)
    first = post_ask(
        web, "editor", url, ["approver"], title="Legal check", last_day="2026-02-01"
    )
    assert first.status_code == 303, first.text
    shown = web.browsers["editor"].get(url).text
    assert CHANGE in shown and ASK not in shown
    assert f'value="{user_id(web, "approver")}" checked' in shown
    assert f'value="{user_id(web, "viewer")}" checked' not in shown
    assert 'name="title" value="Legal check"' in shown
    assert 'name="last_day" value="2026-02-01"' in shown
    for role in ("viewer", "approver"):
        assert "ask-approval" not in web.browsers[role].get(url).text
    changed = post_ask(
        web, "editor", url, ["approver", "viewer"], quorum="0", title="Legal check"
    )
    assert changed.status_code == 303, changed.text
    with web.db.read() as s:
        request = s.query(ApprovalRequest).one()
        assert request.expires_at is None
        asked = request.steps[-1]
        assert len(asked.seats) == 2
    assert "Experiment" in web.browsers["viewer"].get("/queue?tab=waiting").text


def test_a_space_admin_may_change_another_persons_ask(web: Web) -> None:
    url = lab(web)
    assert post_ask(web, "editor", url, ["approver"]).status_code == 303
    assert CHANGE in web.browsers["admin"].get(url).text
