"""What a reviewer sees of a change: the page view of a review opens on the words
that changed, in the view they pick; old versions open read-only; any two compare."""

from __future__ import annotations

import re

import httpx

from web.conftest import Web


def edit(web: Web, body: str, version: int) -> None:
    response = web.post(
        "editor",
        web.page_url + "/edit",
        title="Policy",
        body=body,
        version=str(version),
    )
    assert isinstance(response, httpx.Response) and response.status_code == 303


def post(web: Web, role: str, verb: str, **data: str) -> None:
    response = web.post(role, f"{web.page_url}/{verb}", **data)
    assert isinstance(response, httpx.Response), response
    assert response.status_code == 303, response.text


def summary(html: str) -> str:
    found = re.search(r'data-testid="change-summary"><strong>([^<]+)<', html)
    assert found, html
    return found.group(1)


def test_a_first_review_shows_the_page_with_nothing_to_compare(web: Web) -> None:
    post(web, "editor", "submit")
    page = web.browsers["approver"].get(web.page_url).text
    assert "change-summary" not in page
    assert "<p>First text</p>" in page


def test_a_review_of_a_later_version_opens_on_its_changes_from_the_previous(
    web: Web,
) -> None:
    edit(web, "<p>First text, now longer.</p><p>A new rule.</p>", 1)
    post(web, "editor", "submit")
    page = web.browsers["approver"].get(web.page_url).text
    assert "Changes since the previous version 1" in page
    assert summary(page) == "1 paragraph changed, 1 added, 7 words"
    assert "<p>First <del>text</del> <ins>text, now longer.</ins></p>" in page
    assert "A new rule." in page
    # The whole page is a tab away, not shown under the changes.
    assert page.count("A new rule.") == 1
    whole = web.browsers["approver"].get(web.page_url + "?view=page").text
    assert '<article class="page-body">' in whole


def test_a_review_after_an_approval_compares_with_the_approved_version(
    web: Web,
) -> None:
    post(web, "editor", "submit")
    post(web, "approver", "approve", version="1")
    edit(web, "<p>Second text</p>", 1)
    edit(web, "<p>Third text</p>", 2)
    post(web, "editor", "submit")
    page = web.browsers["approver"].get(web.page_url).text
    assert "Changes since the approved version 1" in page
    assert "version 1 → version 3" in page
    assert "<p><del>First</del> <ins>Third</ins> text</p>" in page


def test_side_by_side_shows_both_versions(web: Web) -> None:
    edit(web, "<p>Other text</p>", 1)
    post(web, "editor", "submit")
    page = web.browsers["approver"].get(web.page_url + "?view=side").text
    assert '<div class="side-by-side">' in page
    assert "<p><del>First</del> text</p>" in page
    assert "<p><ins>Other</ins> text</p>" in page


def test_an_unknown_view_falls_back_to_the_changes(web: Web) -> None:
    edit(web, "<p>Other text</p>", 1)
    post(web, "editor", "submit")
    page = web.browsers["approver"].get(web.page_url + "?view=%3Cscript%3E").text
    assert 'data-testid="redline"' in page
    assert "<script>" not in page.split("<main", 1)[1]


def test_history_rows_open_each_version_read_only(web: Web) -> None:
    edit(web, "<p>Second text</p>", 1)
    page = web.browsers["viewer"].get(web.page_url).text
    assert f'href="{web.page_url}/versions/1"' in page
    old = web.browsers["viewer"].get(web.page_url + "/versions/1")
    assert old.status_code == 200
    assert "<p>First text</p>" in old.text and "Second text" not in old.text
    assert "Version 1 of 2" in old.text
    assert "csrf_token" not in old.text.split("<main", 1)[1]  # nothing to change
    assert f"{web.page_url}/compare?from=1&to=2" in old.text


def test_any_two_versions_compare(web: Web) -> None:
    edit(web, "<p>Second text</p>", 1)
    edit(web, "<p>Third text</p><p>More.</p>", 2)
    response = web.browsers["viewer"].get(web.page_url + "/compare?from=1&to=2")
    assert response.status_code == 200
    assert summary(response.text) == "1 paragraph changed, 2 words"
    reverse = web.browsers["viewer"].get(web.page_url + "/compare?from=3&to=1")
    assert "<p><del>Third</del> <ins>First</ins> text</p>" in reverse.text
    source = web.browsers["viewer"].get(
        web.page_url + "/compare?from=1&to=3&view=source"
    )
    assert "<ins>&lt;p&gt;More.&lt;/p&gt;</ins>" in source.text


def test_bad_version_numbers_answer_an_error_page(web: Web) -> None:
    browser = web.browsers["viewer"]
    missing = browser.get(web.page_url + "/versions/9")
    assert missing.status_code == 404
    assert "has no version 9" in missing.text and "<html" in missing.text
    bad = browser.get(web.page_url + "/compare?from=one&to=1")
    assert bad.status_code == 400
    assert "Compare version must be a version number" in bad.text
    assert browser.get(web.page_url + "/compare?from=1&to=5").status_code == 404
    assert browser.get(web.page_url + "/versions/x").status_code == 400


def test_someone_outside_the_space_sees_no_history(web: Web) -> None:
    edit(web, "<p>Second text</p>", 1)
    for path in ("/versions/1", "/compare?from=1&to=2"):
        response = web.browsers["anonymous"].get(web.page_url + path)
        assert response.status_code == 303  # to the login


def test_the_queue_shows_how_big_each_change_is(web: Web) -> None:
    edit(web, "<p>Other text</p>", 1)
    post(web, "editor", "submit")
    queue = web.browsers["approver"].get("/queue").text
    assert re.search(r'data-testid="change-size">1 paragraph changed, 2 words<', queue)
