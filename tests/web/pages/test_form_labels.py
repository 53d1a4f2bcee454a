"""Refusals of the page editor, the comment box and the byline's reject form name
the field by the label people see on that form, never by the API's JSON name."""

from __future__ import annotations

import httpx

from web.conftest import Web


def refused_text(response: object) -> str:
    assert isinstance(response, httpx.Response)
    assert response.status_code == 400
    return response.text


def test_a_blank_title_in_the_editor_is_named_by_its_label(web: Web) -> None:
    text = refused_text(
        web.post("editor", web.page_url + "/edit", title=" ", body="<p>x</p>")
    )
    assert "Title must not be empty." in text


def test_a_too_long_change_message_is_named_by_its_label(web: Web) -> None:
    text = refused_text(
        web.post(
            "editor",
            web.page_url + "/edit",
            title="Policy",
            body="<p>x</p>",
            message="m" * 501,
        )
    )
    assert "Change message is longer than 500 characters." in text
    assert "message is longer" not in text.replace("Change message is", "")


def test_a_title_already_taken_on_a_new_page_is_named_by_its_label(web: Web) -> None:
    first = web.post("editor", "/spaces/DOCS/new", title="Twice", body="<p>1</p>")
    assert isinstance(first, httpx.Response) and first.status_code == 303
    text = refused_text(
        web.post("editor", "/spaces/DOCS/new", title="Twice", body="<p>2</p>")
    )
    assert "Title: A page titled &#39;Twice&#39; already exists" in text


def test_a_blank_comment_is_named_by_its_label(web: Web) -> None:
    text = refused_text(web.post("viewer", web.page_url + "/comments", comment=" "))
    assert "Comment: Write a comment first." in text


def test_a_rejection_without_a_reason_is_named_by_its_label(web: Web) -> None:
    submitted = web.post("editor", web.page_url + "/submit")
    assert isinstance(submitted, httpx.Response) and submitted.status_code == 303
    text = refused_text(
        web.post("approver", web.page_url + "/reject", version="1", comment="")
    )
    assert "Reason for rejecting: A rejection needs a comment saying why." in text
