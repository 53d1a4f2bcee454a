"""A decision taken on the change-set review page returns there: the page actions
take a `next` address, and follow it only to a change set of this site."""

from __future__ import annotations

import pytest

from web.changesets.conftest import Review
from web.conftest import csrf


def decide(review: Review, title: str, **data: str) -> str:
    """Approve `title` as the approver; the address the answer sends them to."""
    browser = review.browser("approver")
    page = f"/spaces/DOCS/pages/{review.page_ids[title]}"
    token = csrf(browser.get(page).text)
    response = browser.post(
        page + "/approve", data={"csrf_token": token, "version": "2", **data}
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_approving_with_a_next_address_returns_to_the_change_set_review(
    review: Review,
) -> None:
    back = f"{review.url}?page=1#page-{review.page_ids['FAQ']}"
    assert decide(review, "FAQ", next=back) == back


def test_approving_without_a_next_address_returns_to_the_page(
    review: Review,
) -> None:
    assert decide(review, "FAQ") == f"/spaces/DOCS/pages/{review.page_ids['FAQ']}"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/changesets/1/review",
        "//evil.example/changesets/1/review",
        "/\\evil.example/changesets/1/review",
        "/spaces/DOCS",
        "/changesets/1/review\r\nSet-Cookie: x=1",
        "/changesets/../login",
        "javascript:alert(1)",
    ],
)
def test_a_next_address_off_the_change_sets_is_ignored(
    review: Review, elsewhere: str
) -> None:
    page = f"/spaces/DOCS/pages/{review.page_ids['FAQ']}"
    assert decide(review, "FAQ", next=elsewhere) == page
