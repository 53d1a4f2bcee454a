"""The spaces list and the audit trail's and analytics' space choosers through ASGI.

A person who administers one space lands on it; one who administers several picks.
"""

from __future__ import annotations

import pytest

from factories import by
from signoff.actions.spaces import do_add_member
from signoff.db.models import Space, User
from signoff.domain.states import Origin, Role
from web.conftest import World


def test_the_spaces_list_links_each_space_by_its_name_too(world: World) -> None:
    listing = world.browser("admin").get("/spaces").text
    assert '<a href="/spaces/DOCS">DOCS space</a>' in listing


def make_admin_of_ops(world: World) -> None:
    with world.db.write() as session:
        admin = session.get(User, world.ids["admin"])
        ops = session.query(Space).filter_by(key="OPS").one()
        assert admin is not None
        do_add_member(session, ops, admin, Role.admin, **by(None, Origin.cli))


def test_the_audit_trail_opens_on_the_only_space_its_viewer_administers(
    world: World,
) -> None:
    response = world.browser("admin").get("/audit")
    assert response.status_code == 200
    assert "Audit trail: DOCS space" in response.text
    assert "Chain verified" in response.text


def test_analytics_open_on_the_only_space_its_viewer_administers(
    world: World,
) -> None:
    response = world.browser("admin").get("/analytics")
    assert response.status_code == 200
    assert "Analytics: DOCS space" in response.text
    assert "Busiest approvers" in response.text


@pytest.mark.parametrize(
    ("path", "links"),
    [
        ("/audit", ('href="/audit?space=DOCS"', 'href="/audit?space=OPS"')),
        ("/analytics", ('href="/analytics/DOCS"', 'href="/analytics/OPS"')),
    ],
)
def test_an_admin_of_several_spaces_still_picks_one(
    world: World, path: str, links: tuple[str, str]
) -> None:
    make_admin_of_ops(world)
    page = world.browser("admin").get(path).text
    assert "Choose a space you administer" in page
    assert all(link in page for link in links)


@pytest.mark.parametrize("path", ["/audit", "/analytics"])
def test_a_person_who_administers_no_space_is_told_so(world: World, path: str) -> None:
    assert "you administer no space" in world.browser("viewer").get(path).text
