"""The space page's "Ad-hoc approvals" setting: space admins see it and change it,
everyone else is refused (and the refusal audited), and the choice decides whether
the page view offers "Request approval from…"."""

from __future__ import annotations

import httpx
import pytest

from signoff.db.models import AuditEvent, Space
from web.conftest import Web, csrf

SETTING = "/spaces/DOCS/settings/adhoc-approvals"


def mode(web: Web) -> str:
    with web.db.read() as s:
        return s.query(Space).filter_by(key="DOCS").one().adhoc_approvals


def choose(web: Web, role: str, value: str) -> httpx.Response:
    browser = web.browsers[role]
    token = csrf(browser.get("/spaces/DOCS").text)
    return browser.post(SETTING, data={"csrf_token": token, "adhoc_approvals": value})


def test_a_space_admin_sees_the_setting_with_each_choice_explained(web: Web) -> None:
    shown = web.browsers["admin"].get("/spaces/DOCS").text
    assert "<legend>Ad-hoc approvals</legend>" in shown
    assert 'value="unassigned" aria-describedby="adhoc-unassigned-help" checked' in (
        shown
    )
    for label in ("Off", "Pages without a workflow", "Any page"):
        assert f"> {label}</label>" in shown
    assert "its steps run first and the people asked approve last." in shown


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_members_below_admin_do_not_see_the_setting(web: Web, role: str) -> None:
    assert "Ad-hoc approvals" not in web.browsers[role].get("/spaces/DOCS").text


def test_a_space_admin_allows_any_page_and_the_page_view_offers_the_ask(
    web: Web,
) -> None:
    editor = web.browsers["editor"]
    assert "Request approval from…" not in editor.get(web.page_url).text
    saved = choose(web, "admin", "any")
    assert saved.status_code == 303
    assert mode(web) == "any"
    assert 'value="any" aria-describedby="adhoc-any-help" checked' in (
        web.browsers["admin"].get("/spaces/DOCS").text
    )
    assert "Request approval from…" in editor.get(web.page_url).text
    with web.db.read() as s:
        event = s.query(AuditEvent).filter_by(action="space.updated").one()
        assert event.origin == "ui"


def test_an_editor_cannot_change_the_setting(web: Web) -> None:
    refused = choose(web, "editor", "any")
    assert refused.status_code == 403
    assert mode(web) == "unassigned"
    with web.db.read() as s:
        assert s.query(AuditEvent).filter_by(action="auth.denied").count() == 1


def test_a_value_not_offered_is_refused(web: Web) -> None:
    refused = choose(web, "admin", "everywhere")
    assert refused.status_code == 400
    assert "Choose where ad-hoc approvals are allowed." in refused.text
    assert mode(web) == "unassigned"


def test_the_setting_needs_the_forms_csrf_token(web: Web) -> None:
    refused = web.browsers["admin"].post(SETTING, data={"adhoc_approvals": "off"})
    assert refused.status_code == 403
    assert mode(web) == "unassigned"
