"""The change-set review page through the real app: every page of the set in order,
its review and what it changes, and Approve and Reject for the pages the person may
decide."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from factories import make_change_set, make_page
from signoff.db.models import Space, User
from signoff.queries.changeset_review import SCREEN_SIZE
from web.changesets.conftest import Review
from web.conftest import csrf

TITLES = ["Install guide", "Upgrade notes", "FAQ", "Glossary"]


def sections(html: str) -> list[str]:
    """Each page section of the review page, in order."""
    return re.split(r'<section id="page-', html)[1:]


def section_of(review: Review, html: str, title: str) -> str:
    wanted = f'{review.page_ids[title]}"'
    found = [s for s in sections(html) if s.startswith(wanted)]
    assert len(found) == 1, html
    return found[0]


def test_the_review_page_lists_every_page_in_order_with_its_change(
    review: Review,
) -> None:
    html = review.browser("viewer").get(review.url).text
    toc = re.findall(r'data-label="Page"><a href="[^"]*">([^<]+)</a>', html)
    assert toc == TITLES
    changes = re.findall(r'data-testid="toc-change">([^<]+)<', html)
    assert changes == [
        "1 paragraph changed, 1 word",
        "1 added, 5 words",
        "1 removed, 4 words",
    ]
    assert html.count('<span class="muted">Not submitted</span>') == 1
    assert [s.split('"', 1)[0] for s in sections(html)] == [
        str(review.page_ids[title]) for title in TITLES
    ]


def test_each_section_marks_what_its_review_changes(review: Review) -> None:
    html = review.browser("viewer").get(review.url).text
    install = section_of(review, html, "Install guide")
    assert "Changes since the approved version 1" in install
    assert "<p>Run the <ins>new</ins> installer.</p>" in install
    faq = section_of(review, html, "FAQ")
    assert "<del>In the data folder.</del>" in faq
    assert "<strong>1 removed, 4 words</strong>" in faq


def test_the_view_asked_for_applies_to_every_section(review: Review) -> None:
    html = review.browser("viewer").get(review.url + "?view=side").text
    assert html.count('<div class="side-by-side">') == 3


def test_a_long_page_with_nothing_to_compare_is_folded(review: Review) -> None:
    html = review.browser("viewer").get(review.url).text
    glossary = section_of(review, html, "Glossary")
    assert "<details>" in glossary
    assert "Term 79: what it means in these docs." in glossary
    assert "Not submitted for review yet." in glossary


def test_each_section_shows_the_step_it_waits_on_and_its_approvers(
    review: Review,
) -> None:
    html = review.browser("viewer").get(review.url).text
    install = section_of(review, html, "Install guide")
    assert "Waiting on step: Review" in install
    assert "Approvers: Approver" in install
    assert "submitted by Editor" in install


def test_approve_and_reject_appear_only_for_pages_the_person_may_decide(
    review: Review,
) -> None:
    approver = review.browser("approver").get(review.url).text
    for title in ("Install guide", "Upgrade notes", "FAQ"):
        section = section_of(review, approver, title)
        assert ">Approve</button>" in section
        assert ">Reject</button>" in section
    assert ">Approve</button>" not in section_of(review, approver, "Glossary")
    for role in ("editor", "viewer", "admin"):
        html = review.browser(role).get(review.url).text
        assert ">Approve</button>" not in html, role
        assert ">Reject</button>" not in html, role


def test_approving_from_the_review_page_returns_to_that_pages_section(
    review: Review,
) -> None:
    browser = review.browser("approver")
    html = browser.get(review.url).text
    section = section_of(review, html, "Upgrade notes")
    form = re.search(
        r'action="([^"]+/approve)".*?name="next" value="([^"]+)"', section, re.S
    )
    assert form is not None
    action, back = form.group(1), form.group(2).replace("&amp;", "&")
    response = browser.post(
        action, data={"csrf_token": csrf(html), "version": "2", "next": back}
    )
    assert response.status_code == 303
    anchor = f"#page-{review.page_ids['Upgrade notes']}"
    assert response.headers["location"] == f"{review.url}?page=1&view=changes{anchor}"
    after = browser.get(response.headers["location"]).text
    upgrade = section_of(review, after, "Upgrade notes")
    assert ">Approve</button>" not in upgrade
    assert "Approver approved version 2" in upgrade
    assert 'data-testid="section-status">Approved<' in upgrade
    # What the decided review changed stays in view.
    assert "Changes since version 1" in upgrade
    assert "<strong>1 added, 5 words</strong>" in upgrade


def test_a_person_outside_the_space_gets_not_found(review: Review) -> None:
    response = review.browser("outsider").get(review.url)
    assert response.status_code == 404
    assert "Install guide" not in response.text


def test_an_unknown_change_set_is_not_found(review: Review) -> None:
    assert review.browser("viewer").get("/changesets/9999/review").status_code == 404


def test_without_a_session_the_review_page_asks_to_sign_in(review: Review) -> None:
    response = review.site.browser().get(review.url)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("page", ["abc", "0", "-1", "2", "99999999999999999999999"])
def test_a_review_page_number_out_of_range_is_refused(
    review: Review, page: str
) -> None:
    response = review.browser("viewer").get(f"{review.url}?page={page}")
    assert response.status_code == 400
    assert "Install guide" not in response.text


def test_an_unknown_view_shows_the_changes(review: Review) -> None:
    html = review.browser("viewer").get(review.url + "?view=nonsense").text
    assert html.count('data-testid="redline"') == 3


def large_set(review: Review, pages: int) -> str:
    """The review address of a new change set of `pages` drafts."""
    with review.db.write() as session:
        space = session.scalars(select(Space).where(Space.key == "DOCS")).one()
        editor = session.scalars(select(User).where(User.username == "editor")).one()
        drafts = [
            make_page(session, space, editor, f"Chapter {n:02d}") for n in range(pages)
        ]
        change_set = make_change_set(session, space, editor, drafts, title="Book")
        return f"/changesets/{change_set.id}/review"


def test_a_large_set_shows_twenty_sections_a_screen_and_lists_every_page(
    review: Review,
) -> None:
    url = large_set(review, 25)
    browser = review.browser("viewer")
    first = browser.get(url).text
    assert len(sections(first)) == SCREEN_SIZE == 20
    assert first.count('data-testid="toc-row"') == 25
    links = re.findall(r'data-label="Page"><a href="([^"]*)">Chapter (\d\d)<', first)
    assert links[0][0].startswith("#page-")
    assert links[20][0].startswith(url.replace("/review", "/review?page=2&amp;"))
    assert "Pages 1 to 20 of 25" in first
    second = browser.get(url + "?page=2").text
    assert [s.split('"', 1)[0] for s in sections(second)] == [
        link.rsplit("#page-", 1)[1] for link, _ in links[20:]
    ]
    assert "Pages 21 to 25 of 25" in second
    assert browser.get(url + "?page=3").status_code == 400


def test_the_change_set_detail_links_to_its_review(review: Review) -> None:
    html = review.browser("viewer").get(f"/changesets/{review.change_set_id}").text
    assert f'href="{review.url}">Review all changes</a>' in html
