"""The analytics dashboard counts overridden reviews in a figure of their own."""

from __future__ import annotations

from factories import by, later
from signoff.actions.overrides import do_override_review
from signoff.db.models import Page, User
from signoff.domain.states import DecisionKind
from web.conftest import World

from .test_dashboard import stat


def test_the_dashboard_shows_how_many_reviews_were_overridden(world: World) -> None:
    assert stat(world.browser("admin").get("/analytics/DOCS").text, "overrides") == "0"
    with world.db.write() as s:
        admin = s.get_one(User, world.ids["admin"])
        page = s.get_one(Page, world.page_ids[3])  # pending in the world
        do_override_review(
            s,
            page,
            DecisionKind.approve,
            version=page.current_version,
            reason="Approvers away; legal agreed by phone.",
            **by(admin, now=later(30)),
        )

    html = world.browser("admin").get("/analytics/DOCS").text

    assert stat(html, "overrides") == "1"
    assert (stat(html, "approved"), stat(html, "pending")) == ("3", "23")
