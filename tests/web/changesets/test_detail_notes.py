"""The change-set page says, per page, the step its review waits on and, for a
rejection, who rejected it and why."""

from __future__ import annotations

from web.changesets.conftest import Review
from web.conftest import csrf


def row_of(html: str, title: str) -> str:
    rows = [row for row in html.split("<tr>") if f">{title}</a>" in row]
    assert len(rows) == 1, html
    return rows[0]


def test_the_detail_shows_each_pages_current_step(review: Review) -> None:
    html = review.browser("viewer").get(f"/changesets/{review.change_set_id}").text
    for title in ("Install guide", "Upgrade notes", "FAQ"):
        assert 'data-label="Current step">Review<' in row_of(html, title)
    assert 'data-label="Current step"><span class="muted">—' in row_of(html, "Glossary")


def test_the_detail_shows_who_rejected_a_page_and_why(review: Review) -> None:
    browser = review.browser("approver")
    page = f"/spaces/DOCS/pages/{review.page_ids['FAQ']}"
    token = csrf(browser.get(page).text)
    response = browser.post(
        page + "/reject",
        data={"csrf_token": token, "version": "2", "comment": "Keep the answer <b>"},
    )
    assert response.status_code == 303
    html = review.browser("viewer").get(f"/changesets/{review.change_set_id}").text
    faq = row_of(html, "FAQ")
    assert "Rejected by Approver: “Keep the answer &lt;b&gt;”" in faq
    assert 'data-label="Current step"><span class="muted">—' in faq
    assert "Rejected by" not in row_of(html, "Install guide")
