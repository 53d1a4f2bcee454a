"""The page editor through the app: Markdown or storage format, the body kept as
typed when the form comes back, the Preview button and the preview endpoint."""

from __future__ import annotations

import html
import re

import httpx

from web.conftest import Web, csrf

MARKDOWN = "# Hello\n\nSome *words*.\n\n<script>alert(1)</script>\n"


def answered(response: object, status: int) -> str:
    assert isinstance(response, httpx.Response)
    assert response.status_code == status, response.text
    return response.text


def textarea_value(page: str) -> str:
    """What a browser puts in the body box: HTML drops one newline right after
    the opening tag."""
    found = re.search(r'<textarea id="body"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found, "the page has no body box"
    return html.unescape(found.group(1)).removeprefix("\n")


def radio(page: str, value: str) -> str:
    found = re.search(rf'<input type="radio" name="format" value="{value}"[^>]*>', page)
    assert found, f"no {value} radio"
    return found.group(0)


def test_a_new_page_opens_in_markdown_with_cancel_back_to_the_space(web: Web) -> None:
    page = answered(web.browsers["editor"].get("/spaces/DOCS/new"), 200)
    assert "checked" in radio(page, "markdown")
    assert "checked" not in radio(page, "storage")
    assert '<a href="/spaces/DOCS">Cancel</a>' in page
    assert "never converted back to Markdown" in page


def test_a_page_with_a_body_opens_in_storage_format_without_markdown(
    web: Web,
) -> None:
    page = answered(web.browsers["editor"].get(web.page_url + "/edit"), 200)
    assert "checked" in radio(page, "storage")
    assert "disabled" in radio(page, "markdown")
    assert textarea_value(page) == "<p>First text</p>"
    assert f'<a href="{web.page_url}">Cancel</a>' in page


def test_an_emptied_page_may_switch_to_markdown(web: Web) -> None:
    emptied = web.post(
        "editor", web.page_url + "/edit", title="Policy", body="", format="storage"
    )
    answered(emptied, 303)
    page = answered(web.browsers["editor"].get(web.page_url + "/edit"), 200)
    assert "disabled" not in radio(page, "markdown")


def test_saving_markdown_stores_the_converted_sanitised_storage_format(
    web: Web,
) -> None:
    made = web.post(
        "editor", "/spaces/DOCS/new", title="Notes", body=MARKDOWN, format="markdown"
    )
    assert isinstance(made, httpx.Response) and made.status_code == 303
    location = made.headers["location"]
    shown = answered(web.browsers["editor"].get(location + "/edit"), 200)
    stored = textarea_value(shown)
    assert "<h1>Hello</h1>" in stored
    assert "<em>words</em>" in stored
    assert "script" not in stored


def test_storage_format_is_saved_as_typed(web: Web) -> None:
    saved = web.post(
        "editor",
        web.page_url + "/edit",
        title="Policy",
        body="<p>*not emphasis*</p>",
        format="storage",
    )
    answered(saved, 303)
    page = answered(web.browsers["editor"].get(web.page_url + "/edit"), 200)
    assert textarea_value(page) == "<p>*not emphasis*</p>"


def test_blank_lines_and_indentation_come_back_exactly_as_typed(web: Web) -> None:
    typed = "\n\n# Title\n\n\n    indented code\n\n  - item\n\n"
    refused = web.post(
        "editor",
        web.page_url + "/edit",
        title="Policy",
        body=typed,
        format="markdown",
        message="m" * 501,
    )
    page = answered(refused, 400)
    assert textarea_value(page) == typed
    assert "checked" in radio(page, "markdown")


def test_an_unknown_format_is_refused_by_its_label_and_the_text_kept(
    web: Web,
) -> None:
    refused = web.post(
        "editor", web.page_url + "/edit", title="Policy", body="keep", format="rtf"
    )
    page = answered(refused, 400)
    assert "Format: Choose Markdown or Storage format." in page
    assert textarea_value(page) == "keep"


def test_the_preview_button_shows_the_body_below_the_form_and_saves_nothing(
    web: Web,
) -> None:
    previewed = web.post(
        "editor",
        web.page_url + "/edit",
        title="Policy",
        body=MARKDOWN,
        format="markdown",
        preview="1",
    )
    page = answered(previewed, 200)
    preview = page[page.index('id="preview-body"') :]
    assert "<h1>Hello</h1>" in preview and "<em>words</em>" in preview
    assert "<script>alert" not in page
    assert textarea_value(page) == MARKDOWN
    view = answered(web.browsers["editor"].get(web.page_url), 200)
    assert "First text" in view and "<h1>Hello</h1>" not in view


def preview_post(web: Web, role: str, **data: str) -> httpx.Response:
    browser = web.browsers[role]
    token = csrf(browser.get("/spaces/DOCS").text)
    return browser.post("/editor/preview", data={"csrf_token": token, **data})


def test_the_preview_endpoint_answers_sanitised_html_in_either_format(
    web: Web,
) -> None:
    markdown = preview_post(web, "editor", body=MARKDOWN, format="markdown")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/html")
    assert "<h1>Hello</h1>" in markdown.text and "script" not in markdown.text
    storage = preview_post(
        web, "editor", body='<p onclick="x()">*raw*</p>', format="storage"
    )
    assert storage.text == "<p>*raw*</p>"


def test_the_preview_endpoint_refuses_a_bad_format(web: Web) -> None:
    refused = preview_post(web, "editor", body="x", format="docx")
    assert refused.status_code == 400
    assert "Choose Markdown or Storage format." in refused.text


def test_the_preview_endpoint_needs_the_csrf_token_and_a_session(web: Web) -> None:
    forged = web.browsers["editor"].post(
        "/editor/preview", data={"body": "x", "format": "storage"}
    )
    assert forged.status_code == 403
    anonymous = web.browsers["anonymous"].post(
        "/editor/preview", data={"body": "x", "format": "storage"}
    )
    assert anonymous.status_code == 303
    assert "/login" in anonymous.headers["location"]


def test_the_preview_endpoint_is_size_limited_like_the_editor(web: Web) -> None:
    too_big = preview_post(web, "editor", body="x" * 20_000, format="markdown")
    assert too_big.status_code == 413
