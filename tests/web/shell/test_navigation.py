"""The top navigation through ASGI: the current section, who sees the admin links,
and the unread count beside Inbox."""

from __future__ import annotations

import re

import pytest

from web.conftest import SUBMITTED, World

CURRENT = re.compile(r'<a href="([^"]+)"[^>]*aria-current="page"')
NAV = re.compile(r'<nav class="top-nav".*?</nav>', re.S)
HEADER = re.compile(r'<header class="site-header">.*?</header>', re.S)


def header_of(html: str) -> str:
    found = HEADER.search(html)
    assert found, "the page has no site header"
    return found.group(0)


def nav_of(html: str) -> str:
    found = NAV.search(html)
    assert found, "the page has no top navigation"
    return found.group(0)


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/spaces", "/spaces"),
        ("/spaces/DOCS", "/spaces"),
        ("/queue?status=approved", "/queue"),
        ("/changesets", "/changesets"),
        ("/audit", "/audit"),
        ("/analytics", "/analytics"),
        ("/inbox", "/inbox"),
        ("/account", "/account"),
    ],
)
def test_the_navigation_marks_the_section_the_page_belongs_to(
    world: World, path: str, section: str
) -> None:
    html = world.browser("admin").get(path).text
    assert CURRENT.findall(header_of(html)) == [section]


def test_a_page_of_a_space_marks_spaces_as_current(world: World) -> None:
    html = world.browser("viewer").get(f"/spaces/DOCS/pages/{world.page_ids[0]}").text
    assert CURRENT.findall(header_of(html)) == ["/spaces"]


@pytest.mark.parametrize("role", ["editor", "approver", "viewer"])
def test_people_who_administer_no_space_see_no_audit_or_analytics_link(
    world: World, role: str
) -> None:
    nav = nav_of(world.browser(role).get("/spaces").text)
    assert 'href="/audit"' not in nav
    assert 'href="/analytics"' not in nav


@pytest.mark.parametrize("role", ["admin", "outsider"])
def test_space_admins_see_the_audit_and_analytics_links(
    world: World, role: str
) -> None:
    nav = nav_of(world.browser(role).get("/spaces").text)
    assert '<a href="/audit">Audit trail</a>' in nav
    assert '<a href="/analytics">Analytics</a>' in nav


def test_the_inbox_link_shows_how_many_mentions_are_unread(world: World) -> None:
    html = world.browser("approver").get("/queue").text
    assert (
        f'Inbox <span class="count">{SUBMITTED + 1}'
        '<span class="visually-hidden"> unread</span></span></a>'
    ) in html


def test_the_inbox_link_shows_no_count_when_nothing_is_unread(world: World) -> None:
    html = world.browser("viewer").get("/queue").text
    assert '<a href="/inbox">Inbox</a>' in html
