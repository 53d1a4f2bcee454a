"""The UI's refusals through ASGI: an error page in the app's layout for addresses
that cannot name anything, and messages that name fields by their labels."""

from __future__ import annotations

import pytest

from web.conftest import Web, csrf


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/spaces/DOCS/pages/99999999999999999999", 404),
        ("/spaces/DOCS/pages/abc", 400),
        ("/changesets/abc", 400),
        ("/changesets/99999999999999999999", 404),
        ("/spaces/DOCS/pages/abc/edit", 400),
    ],
)
def test_a_bad_id_in_an_address_answers_the_error_page_in_the_apps_layout(
    web: Web, path: str, status: int
) -> None:
    response = web.browsers["editor"].get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert '<nav class="top-nav"' in response.text
    assert "This did not work" in response.text


def test_a_bad_token_expiry_is_named_by_its_label(web: Web) -> None:
    browser = web.browsers["editor"]
    token = csrf(browser.get("/account").text)
    response = browser.post(
        "/account/tokens",
        data={
            "csrf_token": token,
            "name": "ci",
            "scope": "read:page",
            "expires_days": "0",
        },
    )
    assert response.status_code == 400
    assert "Expires in (days) must be 1 to 3650" in response.text
    assert "expiresDays" not in response.text


def test_a_bad_reference_link_is_named_by_its_label_in_the_ui_only(web: Web) -> None:
    browser = web.browsers["editor"]
    token = csrf(browser.get("/changesets/new?space=DOCS").text)
    response = browser.post(
        "/changesets/new?space=DOCS",
        data={
            "csrf_token": token,
            "title": "Release",
            "reference_url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 400
    assert "Reference link must be an http or https URL" in response.text
    assert "referenceUrl" not in response.text


@pytest.mark.parametrize(
    "path",
    ["/spaces/NOPE", "/changesets/999999", "/spaces/DOCS/pages/999999/edit"],
)
def test_a_missing_object_found_inside_a_route_shows_the_signed_in_navigation(
    web: Web, path: str
) -> None:
    response = web.browsers["editor"].get(path)
    assert response.status_code == 404
    assert '<nav class="top-nav"' in response.text
    assert "Sign out" in response.text
    assert "This did not work" in response.text
